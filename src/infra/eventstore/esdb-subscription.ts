/** Subscriptions to $all on EventStoreDB: exclusive of their start, filtered exactly, torn down on stop or failure. */
import {
  START,
  eventTypeFilter,
  excludeSystemEvents,
  streamNameFilter,
  type EventStoreDBClient,
  type Filter,
  type Position,
} from '@eventstore/db-client';
import {
  matchesFilter,
  type AllFilter,
  type EventHandler,
  type SubscribeAllOptions,
  type Subscription,
} from '../../ports/event-store.js';
import { comparePositions, isSystemEvent, positionOf, toRecorded } from './esdb-mapping.js';

/** One server-side filter per subscription; `matchesFilter` still applies the whole filter exactly. */
const serverFilter = (filter: AllFilter | undefined): Filter => {
  if (filter?.streamPrefixes?.length) return streamNameFilter({ prefixes: filter.streamPrefixes });
  // Prefix matching over-selects (`A` also matches `AB`); the exact check happens client-side.
  if (filter?.eventTypes?.length) return eventTypeFilter({ prefixes: filter.eventTypes });
  return excludeSystemEvents();
};

/** The port's subscribeAll on `client`; the subscription is in `active` until it ends (for the store's close). */
export function subscribeToAll(
  client: EventStoreDBClient,
  active: Set<Subscription>,
  { fromPosition = 0n, filter }: SubscribeAllOptions,
  handler: EventHandler,
): Subscription {
  const sub = client.subscribeToAll({
    fromPosition: fromPosition > 0n ? { commit: fromPosition, prepare: fromPosition } : START,
    filter: serverFilter(filter),
    resolveLinkTos: false,
  });
  // Errors reach the loop through its iterator; this keeps a late one (after teardown) from
  // becoming an uncaught 'error' event.
  sub.on('error', () => undefined);

  let last: Position | undefined = fromPosition > 0n ? { commit: fromPosition, prepare: fromPosition } : undefined;
  let stopRequested = false;
  let tornDown = false;
  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    try {
      await sub.unsubscribe();
    } catch {
      // The call may already have failed; there is nothing left to cancel.
    }
    // Ends the iteration even when no event is pending.
    sub.destroy();
  };

  const run = async (): Promise<void> => {
    let failure: { error: unknown } | undefined;
    try {
      for await (const resolved of sub) {
        if (stopRequested) break;
        const position = positionOf(resolved);
        if (!resolved.event || !position) continue;
        if (last && comparePositions(position, last) <= 0) continue;
        last = position;
        if (isSystemEvent(resolved.event) || !matchesFilter(resolved.event.streamId, resolved.event.type, filter)) {
          continue;
        }
        try {
          await handler(toRecorded(resolved.event, position.commit));
        } catch (error) {
          failure = { error };
          break;
        }
      }
      if (!failure && !stopRequested) failure = { error: new Error('The $all subscription ended unexpectedly') };
    } catch (error) {
      // Tearing the stream down in stop() may surface as a premature close: not a failure.
      if (!stopRequested) failure = { error };
    } finally {
      active.delete(subscription);
      await teardown();
    }
    if (failure) throw failure.error;
  };

  const done = run();
  // `done` is for the caller to observe; an unobserved rejection must not crash the process.
  done.catch(() => undefined);
  const subscription: Subscription = {
    done,
    async stop() {
      stopRequested = true;
      await teardown();
      await done.catch(() => undefined);
    },
  };
  active.add(subscription);
  return subscription;
}
