/**
 * From the event log to deliveries: a reactor (durable checkpoint, like the mail jobs') that
 * records one delivery per enabled endpoint subscribed to each catalogued event, in the delivery
 * log, and moves the delivery's line (lines.ts). A reactor that replays after a crash records
 * nothing twice (one delivery per endpoint and event), and a redelivery carries the same
 * `webhook-id`. The record holds only where the event is: the payload is built when it is sent, so
 * an erasure in between keeps personal data out.
 *
 * It also carries out what admins asked of the endpoints: a replay (replay.ts), a deletion (the
 * endpoint's deliveries go), turning one back on (its failing streak is forgotten). An account's deletion drops the receivers' answers kept for it.
 */
import type { DecodedEvent } from '../events/codec.js';
import type { Collection } from '../ports/read-store.js';
import type { NewDelivery, WebhookDeliveryLog } from '../ports/webhook-deliveries.js';
import type { Reaction } from '../reactors/reactor.js';
import { WEBHOOK_CATALOGUE, WEBHOOK_EVENT_TYPES, type WebhookEvent, toWebhookEvent } from './catalogue.js';
import type { DeliveryLines } from './lines.js';

/** Every domain event type some webhook event comes from. */
export const SOURCE_TYPES = [...new Set(WEBHOOK_EVENT_TYPES.flatMap((type) => WEBHOOK_CATALOGUE[type].from))];

/** The delivery log's record of a catalogued event for one endpoint. */
export const newDelivery = (endpointId: string, event: DecodedEvent, hook: WebhookEvent): NewDelivery => ({
  endpointId,
  eventId: event.id,
  eventType: hook.type,
  accountId: hook.data.user_id as string,
  streamId: event.streamId,
  revision: String(event.revision),
  position: String(event.position),
  eventTime: event.created.toISOString(),
});

export function webhooksReaction(deps: {
  log: WebhookDeliveryLog;
  lines: DeliveryLines;
  /** Carries out an admin's replay (replay.ts). */
  replay: (request: DecodedEvent) => Promise<void>;
  endpoints: () => Collection;
  /** Until the endpoints read model has applied this position (an endpoint made just before the event counts). */
  endpointsShowing: (position: bigint) => Promise<void>;
  clock: () => Date;
}): Reaction {
  const { log, lines } = deps;
  return {
    name: 'webhooks',
    handles: [...SOURCE_TYPES, 'WebhookReplayRequested', 'WebhookEndpointUpdated', 'WebhookEndpointDeleted'],
    async react(event: DecodedEvent) {
      const endpointId = event.streamId.slice('webhook-'.length);
      if (event.type === 'WebhookReplayRequested') return deps.replay(event);
      if (event.type === 'WebhookEndpointDeleted') return log.dropEndpoint(endpointId);
      // Turned back on: its failures so far do not count towards turning it off again.
      if (event.type === 'WebhookEndpointUpdated')
        return event.data.enabled === true ? log.succeeded(endpointId) : undefined;
      const hook = toWebhookEvent(event, { includePersonalData: false });
      if (hook) {
        await deps.endpointsShowing(event.position);
        const subscribed = await deps.endpoints().find({ enabled: true, events: hook.type });
        for (const endpoint of subscribed) {
          // A new endpoint starts at the head it was made at.
          if (BigInt(endpoint.start_position as string) >= event.position) continue;
          const delivery = newDelivery(endpoint._id, event, hook);
          await log.add(delivery, deps.clock().toISOString());
          await lines.advance(endpoint._id, delivery.accountId);
        }
      }
      // The user.deleted deliveries are recorded: what receivers answered about the account goes.
      if (event.type === 'UserDeleted') await log.forgetAccount(event.streamId.slice('user-'.length));
    },
  };
}
