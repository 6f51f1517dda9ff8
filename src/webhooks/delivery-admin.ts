/**
 * An endpoint's deliveries, as admins see them (GET /admin/webhooks/{id}/deliveries) and retry
 * (POST …/deliveries/{delivery_id}/retry). A delivery's id is the id of the event it carries.
 */
import { refuse } from '../../domain/shared/errors.js';
import type { Collection } from '../ports/read-store.js';
import {
  type Delivery,
  type DeliveryStatus,
  FINAL_STATUSES,
  type WebhookDeliveryLog,
} from '../ports/webhook-deliveries.js';
import type { DeliveryLines } from './lines.js';

export const deliveryView = (delivery: Delivery) => ({
  id: delivery.eventId,
  event_type: delivery.eventType,
  user_id: delivery.accountId,
  position: delivery.position,
  event_time: delivery.eventTime,
  status: delivery.status,
  round: delivery.round,
  attempts: delivery.attempts,
  first_attempt_at: delivery.firstAttemptAt,
  last_attempt_at: delivery.lastAttemptAt,
  next_attempt_at: delivery.nextAttemptAt,
  delivered_at: delivery.deliveredAt,
  last_error: delivery.lastError,
  last_status: delivery.lastStatus,
  last_response: delivery.lastResponse,
  replay_id: delivery.replayId,
  created_at: delivery.createdAt,
});

export type DeliveryView = ReturnType<typeof deliveryView>;

export function deliveryAdmin(deps: {
  log: WebhookDeliveryLog;
  lines: DeliveryLines;
  endpoints: () => Collection;
  clock: () => Date;
}) {
  const { log, lines } = deps;
  const endpointExists = async (endpointId: string) => {
    if (!(await deps.endpoints().findOne({ _id: endpointId }))) refuse('not_found', 'No such webhook endpoint');
  };
  const found = async (endpointId: string, deliveryId: string) => {
    await endpointExists(endpointId);
    const delivery = await log.get(endpointId, deliveryId);
    if (!delivery) refuse('not_found', 'No such delivery for this endpoint');
    return delivery!;
  };

  return {
    /** Newest event first; `next_before` continues the list (null at its end). */
    async listDeliveries(endpointId: string, query: { status?: DeliveryStatus; before?: string; limit: number }) {
      await endpointExists(endpointId);
      const page = await log.list(endpointId, {
        status: query.status,
        beforePosition: query.before,
        limit: query.limit + 1,
      });
      const more = page.length > query.limit;
      const shown = page.slice(0, query.limit);
      return { deliveries: shown.map(deliveryView), next_before: more ? shown.at(-1)!.position : null };
    },

    async getDelivery(endpointId: string, deliveryId: string) {
      return deliveryView(await found(endpointId, deliveryId));
    },

    /**
     * Tries it again now, as a new round: a finished delivery is sent once more (same
     * `webhook-id`), one waiting for its next try is tried at once. One held behind an earlier
     * delivery of its account is refused (409): sending it first would break the order.
     */
    async retryDelivery(endpointId: string, deliveryId: string) {
      const delivery = await found(endpointId, deliveryId);
      if (delivery.status === 'held')
        refuse('conflict', 'This delivery waits for an earlier delivery of the same account; retry that one');
      const endpoint = await deps.endpoints().findOne({ _id: endpointId });
      if (endpoint?.enabled !== true) refuse('conflict', 'This endpoint is turned off: turn it on first, then retry');
      const now = deps.clock().toISOString();
      const statuses: readonly DeliveryStatus[] = [...FINAL_STATUSES, 'pending'];
      const changes = {
        status: 'pending',
        round: delivery.round + 1,
        attempts: 0,
        firstAttemptAt: null,
        nextAttemptAt: now,
      } as const;
      if (!(await log.change(endpointId, deliveryId, { statuses, round: delivery.round }, changes)))
        refuse('conflict', 'This delivery changed meanwhile; look again');
      const retried = { ...delivery, ...changes };
      await lines.schedule(retried);
      return deliveryView(retried);
    },
  };
}

export type DeliveryAdmin = ReturnType<typeof deliveryAdmin>;
