/** Subscriptions to the SQLite event store: a poll loop that sleeps until this process appends, or POLL_MS. */
import type {
  EventHandler,
  ReadAllOptions,
  RecordedEvent,
  SubscribeAllOptions,
  Subscription,
} from '../../ports/event-store.js';

const SUBSCRIPTION_BATCH = 500;
/** Another process (the CLI) may append to the same file; live subscribers poll at this pace too. */
const POLL_MS = 1000;

/** This process's appends, as the subscriptions' loops see them: a count, and the sleepers to wake. */
export class AppendSignal {
  sequence = 0;
  readonly wakers = new Set<() => void>();

  /** An append committed. */
  notify() {
    this.sequence += 1;
    this.wakeAll();
  }

  wakeAll() {
    for (const wake of [...this.wakers]) wake();
  }
}

/** `read` is the store's readAll, allowed to answer from the recent-events tail. */
export function subscribeAll(
  signal: AppendSignal,
  read: (options: ReadAllOptions) => RecordedEvent[],
  options: SubscribeAllOptions,
  handler: EventHandler,
): Subscription {
  let stopped = false;
  let wake: (() => void) | null = null;
  let last = options.fromPosition ?? 0n;
  const sleep = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, POLL_MS);
      function done() {
        clearTimeout(timer);
        signal.wakers.delete(done);
        wake = null;
        resolve();
      }
      wake = done;
      signal.wakers.add(done);
    });
  const loop = async () => {
    while (!stopped) {
      const seen = signal.sequence;
      const batch = read({ fromPosition: last, filter: options.filter, maxCount: SUBSCRIPTION_BATCH });
      for (const event of batch) {
        if (stopped) return;
        // A handler with nothing to do for an event answers at once: no promise to wait for.
        const pending = handler(event);
        if (pending) await pending;
        last = event.position;
      }
      // Sleep only when nothing was appended since the read began: no wake-up is ever missed.
      if (batch.length < SUBSCRIPTION_BATCH && seen === signal.sequence && !stopped) await sleep();
      // A full batch means more to catch up on. The embedded stores answer synchronously, so without
      // this a catch-up (a rebuild on a serving process) would hold the event loop until the head.
      else await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const done = loop();
  return {
    done,
    async stop() {
      stopped = true;
      (wake as (() => void) | null)?.();
      await done.catch(() => undefined);
    },
  };
}
