/**
 * From the event log to deliveries: a reactor (durable checkpoint, like the mail jobs') that turns
 * each catalogued event into one `webhook-delivery` job per enabled endpoint subscribed to its type.
 * The job id names the endpoint and the event, so a reactor that replays after a crash adds
 * nothing twice, and a redelivery carries the same `webhook-id`. The job holds only where the event
 * is: the payload is built when it is sent, so an erasure in between keeps personal data out.
 */
import type { DecodedEvent } from '../events/codec.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Collection } from '../ports/read-store.js';
import type { Reaction } from '../reactors/reactor.js';
import { WEBHOOK_CATALOGUE, WEBHOOK_EVENT_TYPES, toWebhookEvent } from './catalogue.js';

export const WEBHOOK_DELIVERY = 'webhook-delivery';

/**
 * Retries: the first after 10 s, doubling, 14 tries in all — the last one some 45 hours after the
 * event, so an endpoint that is down for a day still gets everything.
 */
export const DELIVERY_RETRIES = { attempts: 14, backoffMs: 10_000 } as const;

export interface DeliveryJob extends Record<string, unknown> {
  endpointId: string;
  eventId: string;
  streamId: string;
  revision: string;
  position: string;
}

export const deliveryJobId = (endpointId: string, eventId: string) => `whd:${endpointId}:${eventId}`;

/** Every domain event type some webhook event comes from. */
const SOURCE_TYPES = [...new Set(WEBHOOK_EVENT_TYPES.flatMap((type) => WEBHOOK_CATALOGUE[type].from))];

export function webhooksReaction(deps: {
  queue: JobQueue;
  endpoints: () => Collection;
  /** Until the endpoints read model has applied this position (an endpoint made just before the event counts). */
  endpointsShowing: (position: bigint) => Promise<void>;
}): Reaction {
  return {
    name: 'webhooks',
    handles: SOURCE_TYPES,
    async react(event: DecodedEvent) {
      const hook = toWebhookEvent(event, { includePersonalData: false });
      if (!hook) return;
      await deps.endpointsShowing(event.position);
      const subscribed = await deps.endpoints().find({ enabled: true, events: hook.type });
      for (const endpoint of subscribed) {
        // A new endpoint starts at the head it was made at.
        if (BigInt(endpoint.start_position as string) >= event.position) continue;
        const job: DeliveryJob = {
          endpointId: endpoint._id,
          eventId: event.id,
          streamId: event.streamId,
          revision: String(event.revision),
          position: String(event.position),
        };
        await deps.queue.add(WEBHOOK_DELIVERY, job, {
          jobId: deliveryJobId(endpoint._id, event.id),
          ...DELIVERY_RETRIES,
        });
      }
    },
  };
}
