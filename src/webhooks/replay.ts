/**
 * A replay, as an admin asked for it (`WebhookReplayRequested` on the endpoint's stream): every
 * catalogued event the endpoint subscribes to now, after `fromPosition` (or at or after
 * `fromTime`) and before the request itself, is delivered again with its original `webhook-id`.
 * Later events reach the endpoint as usual.
 *
 * Each delivery gets a new round, held in its line; deliveries the endpoint never had (it was
 * made later, or turned off then) are recorded now. A delivery being tried is left to finish. The
 * walk can be repeated after a crash: a delivery this replay already reset (`replayId`) is not
 * reset again, so it is not sent twice.
 */
import { storedTypes } from '../../domain/user/upcast.js';
import type { WebhookEvent as EndpointEvent } from '../../domain/webhook/decider.js';
import type { DecodedEvent, EventCodec } from '../events/codec.js';
import type { EventStore } from '../ports/event-store.js';
import type { Collection } from '../ports/read-store.js';
import { FINAL_STATUSES, type WebhookDeliveryLog } from '../ports/webhook-deliveries.js';
import { toWebhookEvent, type WebhookEvent } from './catalogue.js';
import { newDelivery, SOURCE_TYPES } from './deliveries.js';
import type { DeliveryLines } from './lines.js';

const BATCH = 500;

export type ReplayWalk = (request: DecodedEvent) => Promise<void>;

export function replayWalk(deps: {
  eventStore: EventStore;
  codec: EventCodec;
  log: WebhookDeliveryLog;
  lines: DeliveryLines;
  endpoints: () => Collection;
  clock: () => Date;
}): ReplayWalk {
  const { eventStore, codec, log, lines } = deps;
  const types = storedTypes(SOURCE_TYPES);

  /** Records the delivery, or gives a finished one of another replay a new round; answers the line's account. */
  const include = async (endpointId: string, event: DecodedEvent, hook: WebhookEvent, replayId: string) => {
    const delivery = newDelivery(endpointId, event, hook);
    if (await log.add(delivery, deps.clock().toISOString())) {
      await log.change(endpointId, event.id, { statuses: ['held'], round: 0 }, { replayId });
      return delivery.accountId;
    }
    const known = await log.get(endpointId, event.id);
    if (!known) return null;
    // Waiting or being tried (or reset by this very replay before a crash): it will be sent anyway.
    if (known.replayId === replayId || !FINAL_STATUSES.includes(known.status)) return delivery.accountId;
    const reset = await log.change(
      endpointId,
      event.id,
      { statuses: FINAL_STATUSES, round: known.round },
      {
        status: 'held',
        round: known.round + 1,
        attempts: 0,
        firstAttemptAt: null,
        nextAttemptAt: null,
        replayId,
      },
    );
    return reset ? delivery.accountId : null;
  };

  return async (request) => {
    const endpointId = request.streamId.slice('webhook-'.length);
    const { replayId, fromPosition, fromTime } = request.data as Extract<
      EndpointEvent,
      { type: 'WebhookReplayRequested' }
    >['data'];
    const endpoint = await deps.endpoints().findOne({ _id: endpointId });
    // Deleted or turned off since it was asked: there is nothing to send to.
    if (!endpoint || endpoint.enabled !== true) return;
    const subscribed = new Set(endpoint.events as string[]);
    const since = fromTime ? new Date(fromTime) : null;
    const accounts = new Set<string>();
    let after = fromPosition ? BigInt(fromPosition) : 0n;
    for (;;) {
      const batch = await eventStore.readAll({ fromPosition: after, filter: { eventTypes: types }, maxCount: BATCH });
      for (const recorded of batch) {
        if (recorded.position >= request.position) return finish();
        after = recorded.position;
        if (since && recorded.created < since) continue;
        const event = await codec.decode(recorded);
        const hook = toWebhookEvent(event, { includePersonalData: false });
        if (!hook || !subscribed.has(hook.type)) continue;
        const account = await include(endpointId, event, hook, replayId);
        if (account) accounts.add(account);
      }
      if (batch.length < BATCH) return finish();
    }

    async function finish() {
      for (const account of accounts) await lines.advance(endpointId, account);
    }
  };
}
