import { isDuplicateKey, type Doc, type Filter, type IndexSpec, type ReadStore } from '../../ports/read-store.js';
import type { Delivery, DeliveryStatus, WebhookDeliveryLog } from '../../ports/webhook-deliveries.js';
import { givenChanges, positionKey } from '../webhook-delivery-fields.js';

const DELIVERIES = 'webhook_deliveries';
const HEALTH = 'webhook_endpoint_health';
const WAITING: DeliveryStatus[] = ['held', 'pending'];

/** A delivery as stored: `_id` is `endpoint:event`, and `positionKey` sorts as the number (see positionKey). */
type DeliveryDoc = Doc & Delivery & { positionKey: string };
type HealthDoc = Doc & { failingSince: string };

const INDEXES: IndexSpec[] = [
  // list(), newest first, with and without a status.
  { keys: { endpointId: 1, positionKey: -1 } },
  { keys: { endpointId: 1, status: 1, positionKey: -1 } },
  // line(): the earliest pending or held of an endpoint's account.
  { keys: { endpointId: 1, accountId: 1, status: 1, positionKey: 1 } },
  // backlog(): what still waits, by endpoint.
  { keys: { status: 1, endpointId: 1 } },
  // forgetAccount(): an erasure finds the account's deliveries without reading them all.
  { keys: { accountId: 1 } },
];

/** Exactly the port's fields: `_id` and `positionKey` stay inside. */
const toDelivery = (doc: DeliveryDoc): Delivery => ({
  endpointId: doc.endpointId,
  eventId: doc.eventId,
  eventType: doc.eventType,
  accountId: doc.accountId,
  streamId: doc.streamId,
  revision: doc.revision,
  position: doc.position,
  eventTime: doc.eventTime,
  status: doc.status,
  round: doc.round,
  attempts: doc.attempts,
  firstAttemptAt: doc.firstAttemptAt,
  lastAttemptAt: doc.lastAttemptAt,
  nextAttemptAt: doc.nextAttemptAt,
  deliveredAt: doc.deliveredAt,
  lastError: doc.lastError,
  lastStatus: doc.lastStatus,
  lastResponse: doc.lastResponse,
  replayId: doc.replayId,
  createdAt: doc.createdAt,
});

const deliveryId = (endpointId: string, eventId: string) => `${endpointId}:${eventId}`;

/**
 * The delivery log as read-store collections (MongoDB when the service is not embedded). Not a read
 * model: no projection rebuilds or drops these collections, they are the only record of what was sent.
 */
export function createReadStoreWebhookDeliveryLog(readStore: ReadStore): WebhookDeliveryLog {
  const deliveries = readStore.collection<DeliveryDoc>(DELIVERIES);
  const health = readStore.collection<HealthDoc>(HEALTH);

  // The indexes are made on first use (not in this synchronous factory), once; a failure is retried next time.
  let indexed: Promise<void> | null = null;
  const ready = () =>
    (indexed ??= (async () => {
      for (const index of INDEXES) await deliveries.createIndex(index);
    })().catch((error: unknown) => {
      indexed = null;
      throw error;
    }));

  const firstOfLine = async (endpointId: string, accountId: string, status: DeliveryStatus) => {
    const [doc] = await deliveries.find({ endpointId, accountId, status }, { sort: { positionKey: 1 }, limit: 1 });
    return doc ? toDelivery(doc) : null;
  };

  const recordFailure = (endpointId: string, at: string, upsert: boolean) =>
    // $min keeps the earliest: ISO 8601 times in UTC compare as text.
    health.updateOne({ _id: endpointId }, { $min: { failingSince: at } }, { upsert });

  return {
    async add(delivery, at) {
      const key = positionKey(delivery.position);
      await ready();
      const { endpointId, eventId, eventType, accountId, streamId, revision, position, eventTime } = delivery;
      const doc: Omit<DeliveryDoc, '_id'> = {
        endpointId,
        eventId,
        eventType,
        accountId,
        streamId,
        revision,
        position,
        positionKey: key,
        eventTime,
        status: 'held',
        round: 0,
        attempts: 0,
        firstAttemptAt: null,
        lastAttemptAt: null,
        nextAttemptAt: null,
        deliveredAt: null,
        lastError: null,
        lastStatus: null,
        lastResponse: null,
        replayId: null,
        createdAt: at,
      };
      try {
        // $setOnInsert only: a delivery already there is left exactly as it is.
        const result = await deliveries.updateOne(
          { _id: deliveryId(endpointId, eventId) },
          { $setOnInsert: doc },
          { upsert: true },
        );
        return result.upsertedCount === 1;
      } catch (error) {
        // Two adds racing: the other one inserted it.
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    },
    async get(endpointId, eventId) {
      const doc = await deliveries.findOne({ _id: deliveryId(endpointId, eventId) });
      return doc ? toDelivery(doc) : null;
    },
    async list(endpointId, { status, beforePosition, limit }) {
      const filter: Filter = { endpointId };
      if (status !== undefined) filter.status = status;
      if (beforePosition !== undefined) filter.positionKey = { $lt: positionKey(beforePosition) };
      await ready();
      const docs = await deliveries.find(filter, { sort: { positionKey: -1 }, limit });
      return docs.map(toDelivery);
    },
    async change(endpointId, eventId, expected, changes) {
      const given = givenChanges(changes);
      const filter = {
        _id: deliveryId(endpointId, eventId),
        status: { $in: [...expected.statuses] },
        round: expected.round,
      };
      // Nothing to set (an empty $set is refused by older MongoDB): answer whether it would apply.
      if (given.length === 0) return (await deliveries.findOne(filter)) !== null;
      const result = await deliveries.updateOne(filter, { $set: Object.fromEntries(given) });
      return result.matchedCount === 1;
    },
    async line(endpointId, accountId) {
      await ready();
      const [pending, firstHeld] = await Promise.all([
        firstOfLine(endpointId, accountId, 'pending'),
        firstOfLine(endpointId, accountId, 'held'),
      ]);
      return { pending, firstHeld };
    },
    async backlog() {
      await ready();
      const docs = await deliveries.find({ status: { $in: WAITING } }, { projection: { endpointId: 1, eventTime: 1 } });
      const byEndpoint = new Map<string, { waiting: number; oldestEventTime: string }>();
      for (const { endpointId, eventTime } of docs) {
        const entry = byEndpoint.get(endpointId);
        if (!entry) byEndpoint.set(endpointId, { waiting: 1, oldestEventTime: eventTime });
        else {
          entry.waiting += 1;
          if (eventTime < entry.oldestEventTime) entry.oldestEventTime = eventTime;
        }
      }
      return [...byEndpoint]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([endpointId, entry]) => ({ endpointId, ...entry }));
    },
    async failedAt(endpointId, at) {
      try {
        await recordFailure(endpointId, at, true);
      } catch (error) {
        // Two first failures racing: the other inserted the record, ours now only compares.
        if (!isDuplicateKey(error)) throw error;
        await recordFailure(endpointId, at, false);
      }
      const doc = await health.findOne({ _id: endpointId });
      // Gone only if a success came in between: ours is then the failure that counts.
      return doc?.failingSince ?? at;
    },
    async succeeded(endpointId) {
      await health.deleteOne({ _id: endpointId });
    },
    async forgetAccount(accountId) {
      await ready();
      await deliveries.updateMany({ accountId, lastResponse: { $ne: null } }, { $set: { lastResponse: null } });
    },
    async dropEndpoint(endpointId) {
      await ready();
      await deliveries.deleteMany({ endpointId });
      await health.deleteOne({ _id: endpointId });
    },
  };
}
