import { z } from 'zod';
import type { DeliveryAdmin } from '../../webhooks/delivery-admin.js';
import type { WebhookEndpoints } from '../../webhooks/endpoints.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';

const tag = 'Webhooks';
const position = z
  .string()
  .regex(/^\d{1,20}$/, 'must be an event position (decimal digits)')
  .refine((value) => BigInt(value) < 2n ** 64n, 'must be an event position (below 2^64)');
const endpointParams = z.strictObject({ id: z.uuid({ message: 'must be a webhook endpoint id' }) });
const deliveryParams = endpointParams.extend({ delivery_id: z.uuid({ message: 'must be a delivery id' }) });
const status = z.enum(['held', 'pending', 'delivered', 'failed', 'skipped']);
const delivery = z.object({
  id: z.uuid().describe("The delivery's id: the id of the event it carries (and of its `webhook-id`, `msg_<id>`)"),
  event_type: z.string(),
  user_id: z.string().describe('The account it is about: deliveries of one account go in order'),
  position: z.string().describe("The event's position in the log"),
  event_time: z.iso.datetime(),
  status: status.describe(
    '`held`: waits for an earlier delivery of the same account; `pending`: being tried; `delivered`: a 2xx came back; `failed`: no 2xx within the retry window; `skipped`: not sent (endpoint off or deleted, event gone)',
  ),
  round: z.int().describe('0 at first; one more for each retry or replay'),
  attempts: z.int().describe('Tries in this round'),
  first_attempt_at: z.iso.datetime().nullable(),
  last_attempt_at: z.iso.datetime().nullable(),
  next_attempt_at: z.iso.datetime().nullable(),
  delivered_at: z.iso.datetime().nullable(),
  last_error: z
    .string()
    .nullable()
    .describe('`http_<status>`, `timeout`, `connection`, `tls`, `dns`, `address_refused`, …'),
  last_status: z.int().nullable(),
  last_response: z.string().nullable().describe("The start of the receiver's last answer (at most 1 KB)"),
  replay_id: z.uuid().nullable(),
  created_at: z.iso.datetime(),
});
const replay = z.object({
  id: z.uuid(),
  from_position: z.string().nullable(),
  from_time: z.iso.datetime().nullable(),
  to_position: z.string().describe('The replay covers the events before this position (the request itself)'),
});

/** An endpoint's deliveries, for admins: listed, retried, replayed from a point in the log. */
export function webhookDeliveryRoutes(
  webhooks: { endpoints: WebhookEndpoints; deliveries: DeliveryAdmin },
  routes: Routes,
): void {
  routes.add(
    'get',
    '/admin/webhooks/:id/deliveries',
    {
      policy: 'admin',
      tag,
      summary: "An endpoint's deliveries, newest event first",
      params: endpointParams,
      query: z.strictObject({
        status: status.optional(),
        before: position
          .optional()
          .describe('Only deliveries of events before this position (`next_before` of the last page)'),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
      responses: {
        200: {
          description: 'A page of deliveries',
          schema: z.object({
            deliveries: z.array(delivery),
            next_before: z.string().nullable().describe('Give as `before` for the next page; null at the end'),
          }),
        },
      },
    },
    async ({ params, query }, _req, res) => {
      res.json(await webhooks.deliveries.listDeliveries(params.id, query));
    },
  );

  routes.add(
    'get',
    '/admin/webhooks/:id/deliveries/:delivery_id',
    {
      policy: 'admin',
      tag,
      summary: 'One delivery',
      params: deliveryParams,
      responses: { 200: { description: 'The delivery', schema: delivery } },
    },
    async ({ params }, _req, res) => {
      res.json(await webhooks.deliveries.getDelivery(params.id, params.delivery_id));
    },
  );

  routes.add(
    'post',
    '/admin/webhooks/:id/deliveries/:delivery_id/retry',
    {
      policy: 'admin',
      tag,
      summary: 'Try a delivery again now (same webhook-id); 409 while it waits behind an earlier one',
      params: deliveryParams,
      body: z.strictObject({}),
      responses: { 202: { description: 'Scheduled now', schema: delivery } },
    },
    async ({ params }, _req, res) => {
      res.status(202).json(await webhooks.deliveries.retryDelivery(params.id, params.delivery_id));
    },
  );

  routes.add(
    'post',
    '/admin/webhooks/:id/replay',
    {
      policy: 'admin',
      command: true,
      tag,
      summary: 'Deliver again the events after a position, or from a time on (original webhook-ids)',
      description:
        '`from_position` is exclusive (the events after it: give the position of the last event you have), `from_time` inclusive. Only the event types the endpoint subscribes to now are sent, in order per account, up to this request; later events arrive as usual.',
      params: endpointParams,
      body: z
        .strictObject({ from_position: position.optional(), from_time: z.iso.datetime().optional() })
        .refine((b) => (b.from_position === undefined) !== (b.from_time === undefined), {
          message: 'give one of from_position and from_time',
        }),
      responses: { 202: { description: 'The replay, under way', schema: replay } },
    },
    async ({ params, body }, req, res) => {
      const asked = await webhooks.endpoints.requestReplay(
        callerOf(req),
        params.id,
        { fromPosition: body.from_position ?? null, fromTime: body.from_time ?? null },
        requestInfo(req),
      );
      await routes.answerCommand(res, asked.position, 202, asked.replay);
    },
  );
}
