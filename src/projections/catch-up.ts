/** The catch-up in batches: at start, every read model behind the head fed from one read of each batch; a new generation, alone. */
import type { Logger } from 'pino';
import type { EventCodec } from '../events/codec.js';
import type { EventStore, RecordedEvent } from '../ports/event-store.js';

/** A read model being caught up: where it stands, and the event it applies next. */
export interface CatchingUp {
  readonly position: bigint;
  readonly definition: { name: string };
  deliver(event: RecordedEvent): Promise<void> | void;
}

/** Events read at once by a shared catch-up. */
const CATCH_UP_BATCH = 1000;

/**
 * Every read model behind the store's head, fed from one read of each batch: the events are read,
 * parsed and decoded once for all of them (the decoded-event cache serves the second reader on),
 * instead of once per read model, each on its own subscription. Each applies an event exactly as
 * its subscription would (writes, then checkpoint); one that fails drops out here and retries on
 * its own subscription from its checkpoint. The live subscriptions take over from where this ends.
 */
export async function catchUpTogether(
  deps: { eventStore: EventStore; codec: EventCodec; logger: Logger },
  instances: CatchingUp[],
) {
  const failed = new Set<CatchingUp>();
  let position = instances.reduce(
    (least, i) => (i.position < least ? i.position : least),
    instances[0]?.position ?? 0n,
  );
  for (;;) {
    const batch = await deps.eventStore.readAll({ fromPosition: position, maxCount: CATCH_UP_BATCH });
    if (batch.length === 0) return;
    await deps.codec.prefetch(batch);
    for (const event of batch) {
      for (const instance of instances) {
        if (failed.has(instance)) continue;
        try {
          const pending = instance.deliver(event);
          if (pending) await pending;
        } catch (error) {
          failed.add(instance);
          deps.logger.error(
            { err: error, projection: instance.definition.name },
            'catching up failed; its subscription retries',
          );
        }
      }
    }
    position = batch[batch.length - 1]!.position;
    // The embedded stores answer synchronously: a rebuild on a serving process lets requests in
    // between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
