import { z } from 'zod';
import type { WebhookEndpoints } from '../../webhooks/endpoints.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';
import { answers } from '../openapi.js';

const url = z
  .string()
  .min(1)
  .max(2048)
  .describe('https:// (http only with WEBHOOK_ALLOW_HTTP=true); no private address');
const events = z
  .array(z.string().min(1).max(64))
  .max(100)
  .describe('Catalogue event types (see the `webhooks` section)');
const description = z.string().max(500).nullish();
const createBody = z.strictObject({
  url,
  events,
  description,
  format: z.enum(['standard', 'set']).default('standard'),
  include_personal_data: z.boolean().default(false),
});
const updateBody = z.strictObject({
  url: url.optional(),
  events: events.optional(),
  description,
  enabled: z.boolean().optional(),
});
const params = z.strictObject({ id: z.uuid({ message: 'must be a webhook endpoint id' }) });
const endpoint = z.object({
  id: z.uuid(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().nullable(),
  format: z.enum(['standard', 'set']),
  include_personal_data: z.boolean(),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable().describe('`failing`: turned off after failing for 3 days'),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  secret_rotated_at: z.iso.datetime().nullable(),
});
const withSecret = endpoint.extend({
  secret: z.string().describe('The signing secret (`whsec_…`), shown this once'),
});
const tag = 'Webhooks';

/** Webhook endpoints, for admins: where account changes are delivered, signed. */
export function webhookRoutes(endpoints: WebhookEndpoints, routes: Routes): void {
  routes.add(
    'post',
    '/admin/webhooks',
    {
      policy: 'admin',
      command: true,
      tag,
      summary: 'Add a webhook endpoint; it receives the events after this one',
      body: createBody,
      responses: { 201: { description: 'The endpoint and its secret, shown this once', schema: withSecret } },
    },
    async ({ body }, req, res) => {
      const made = await endpoints.createWebhookEndpoint(
        callerOf(req),
        {
          url: body.url,
          events: body.events,
          description: body.description ?? null,
          format: body.format,
          includePersonalData: body.include_personal_data,
        },
        requestInfo(req),
      );
      await routes.answerCommand(res, made.position, 201, made.endpoint);
    },
  );

  routes.add(
    'get',
    '/admin/webhooks',
    {
      policy: 'admin',
      tag,
      summary: 'The webhook endpoints (never their secrets)',
      responses: { 200: { description: 'Oldest first', schema: z.array(endpoint) } },
    },
    async (_input, _req, res) => {
      res.json(await endpoints.listWebhookEndpoints());
    },
  );

  routes.add(
    'get',
    '/admin/webhooks/:id',
    {
      policy: 'admin',
      tag,
      summary: 'One webhook endpoint',
      params,
      responses: { 200: { description: 'The endpoint', schema: endpoint } },
    },
    async ({ params }, _req, res) => {
      res.json(await endpoints.getWebhookEndpoint(params.id));
    },
  );

  routes.add(
    'patch',
    '/admin/webhooks/:id',
    {
      policy: 'admin',
      command: true,
      tag,
      summary: 'Change the URL, the events, the description, or turn it on or off',
      params,
      body: updateBody,
      responses: { 200: { description: 'The endpoint', schema: endpoint } },
    },
    async ({ params, body }, req, res) => {
      const changed = await endpoints.updateWebhookEndpoint(callerOf(req), params.id, body, requestInfo(req));
      await routes.answerCommand(res, changed.position, 200, changed.endpoint);
    },
  );

  routes.add(
    'post',
    '/admin/webhooks/:id/rotate-secret',
    {
      policy: 'admin',
      command: true,
      tag,
      summary: 'A new signing secret; the old one keeps signing beside it for 24 hours',
      params,
      body: z.strictObject({}),
      responses: { 200: { description: 'The endpoint and its new secret, shown this once', schema: withSecret } },
    },
    async ({ params }, req, res) => {
      const rotated = await endpoints.rotateWebhookSecret(callerOf(req), params.id, requestInfo(req));
      await routes.answerCommand(res, rotated.position, 200, rotated.endpoint);
    },
  );

  routes.add(
    'delete',
    '/admin/webhooks/:id',
    {
      policy: 'admin',
      command: true,
      tag,
      summary: 'Delete a webhook endpoint: no more deliveries, and its secrets are destroyed',
      params,
      responses: { 200: { description: 'Deleted', schema: answers.detail } },
    },
    async ({ params }, req, res) => {
      const deleted = await endpoints.deleteWebhookEndpoint(callerOf(req), params.id, requestInfo(req));
      await routes.answerCommand(res, deleted.position, 200, { detail: 'Webhook endpoint deleted' });
    },
  );
}
