import type { Logger } from 'pino';
import type { CheckpointStore } from '../ports/checkpoint-store.js';
import type { EventStore, RecordedEvent, Subscription } from '../ports/event-store.js';
import type { ReadStore } from '../ports/read-store.js';

export const CHECKPOINTS = '_checkpoints';

/**
 * Checkpoints in the read store, beside the documents they vouch for: right for read models
 * (their documents and checkpoint live and die together), and durable for anything on MongoDB.
 */
export const readStoreCheckpoints = (readStore: ReadStore): CheckpointStore => ({
  async get(id) {
    const doc = await readStore.collection(CHECKPOINTS).findOne({ _id: id });
    return doc ? { position: BigInt(doc.position as number), store: (doc.store as string | undefined) ?? null } : null;
  },
  async set(id, position, store) {
    await readStore
      .collection(CHECKPOINTS)
      .updateOne({ _id: id }, { $set: { position: Number(position), store } }, { upsert: true });
  },
  async delete(id) {
    await readStore.collection(CHECKPOINTS).deleteOne({ _id: id });
  },
});
/**
 * A checkpoint written against another event store (the data directory or the read store moved
 * from SQLite to EVENTSTORE_URL, or to another cluster): its position means nothing here.
 */
export class ForeignCheckpointError extends Error {
  constructor(
    readonly checkpointId: string,
    readonly recorded: string,
    readonly current: string,
  ) {
    const reactor = checkpointId.startsWith('reactor:');
    super(
      `The checkpoint ${checkpointId} was recorded against the event store ${recorded}, but this process reads ${current}. ` +
        'Its position means nothing here. Point EVENTSTORE_URL (or DATA_DIR) back at the store it was written against' +
        (reactor
          ? ', or let the reactors resume from the newest event of this store (`npm run cli -- reactors resume-at-head --yes`: they will not act on the events before).'
          : '; to build the read models from this store instead, point MONGO_URL at a new, empty database (the read models here are shared with the instances that still read the other store, so none is dropped).'),
    );
    this.name = 'ForeignCheckpointError';
  }
}

/** What a subscription does with a checkpoint of another store: read models start over, reactors refuse. */
export type ForeignCheckpoint = 'start-over' | 'refuse';

/** Events that change nothing move the checkpoint only every so often. */
const IDLE_CHECKPOINT_EVERY = 500;
const RETRY_MS = 500;

/**
 * A subscription to every event from a stored checkpoint, for read models and reactors alike.
 * The handler says whether it wrote something; the checkpoint is written after the handler's own
 * writes, so it is never ahead of them. A failing handler is retried from the event that failed:
 * nothing is ever skipped.
 */
export class CheckpointedSubscription {
  position = 0n;
  processed = 0;
  failing = false;
  private subscription: Subscription | null = null;
  private sinceCheckpoint = 0;
  private stopped = false;

  /** The event store's identity, recorded with every checkpoint written. */
  private store = '';
  /** The stored checkpoint was another store's, and this one starts from the first event. */
  startedOver = false;

  constructor(
    private readonly deps: { eventStore: EventStore; checkpoints: CheckpointStore; logger: Logger },
    readonly checkpointId: string,
    /** Whether it wrote something; a plain `false` when it had nothing to do with the event. */
    private readonly handle: (event: RecordedEvent) => boolean | Promise<boolean>,
    private readonly onAdvance: () => void = () => undefined,
    private readonly foreign: ForeignCheckpoint = 'refuse',
  ) {}

  private loaded = false;

  /**
   * Reads the stored checkpoint, without subscribing yet (a caller may deliver events first). A
   * checkpoint of another store is refused (ForeignCheckpointError) or, for `start-over`,
   * forgotten: the caller empties what it built and `startedOver` says so. One written before
   * stores were recorded is taken as this store's.
   */
  async load() {
    this.store = await this.deps.eventStore.identity();
    const saved = await this.deps.checkpoints.get(this.checkpointId);
    this.startedOver = false;
    if (saved?.store && saved.store !== this.store) {
      if (this.foreign === 'refuse') throw new ForeignCheckpointError(this.checkpointId, saved.store, this.store);
      this.deps.logger.warn(
        { subscription: this.checkpointId, recorded: saved.store, current: this.store },
        'checkpoint of another event store: starting over from the first event',
      );
      this.startedOver = true;
      this.position = 0n;
    } else this.position = saved?.position ?? 0n;
    this.loaded = true;
  }

  /**
   * Applies one event as the subscription would (checkpoint after the writes), for a caller that
   * reads the events itself — the runner feeding every read model from one read while they catch
   * up. Events at or before the position are not delivered again.
   */
  deliver(event: RecordedEvent): Promise<void> | void {
    if (event.position <= this.position) return;
    return this.apply(event);
  }

  /** Subscribes from the checkpoint (or from where delivered events took it). */
  async start() {
    if (!this.loaded) await this.load();
    this.subscribe();
  }

  private subscribe() {
    if (this.stopped) return;
    const subscription = this.deps.eventStore.subscribeAll({ fromPosition: this.position }, (event) =>
      this.apply(event),
    );
    this.subscription = subscription;
    subscription.done.then(
      () => undefined,
      (error: unknown) => {
        this.failing = true;
        this.deps.logger.error(
          { err: error, subscription: this.checkpointId },
          'subscription handler failed; retrying',
        );
        setTimeout(() => {
          if (this.subscription === subscription) this.subscribe();
        }, RETRY_MS).unref();
      },
    );
  }

  private apply(event: RecordedEvent): Promise<void> | void {
    if (this.stopped) return;
    const wrote = this.handle(event);
    // The common case while catching up: an event this reader does not handle, answered at once.
    if (wrote === false && this.sinceCheckpoint + 1 < IDLE_CHECKPOINT_EVERY) {
      this.sinceCheckpoint += 1;
      this.failing = false;
      this.position = event.position;
      this.processed += 1;
      this.onAdvance();
      return;
    }
    return this.finish(event, wrote);
  }

  private async finish(event: RecordedEvent, handled: boolean | Promise<boolean>) {
    const wrote = await handled;
    this.sinceCheckpoint += 1;
    if (wrote || this.sinceCheckpoint >= IDLE_CHECKPOINT_EVERY) {
      this.sinceCheckpoint = 0;
      await this.deps.checkpoints.set(this.checkpointId, event.position, this.store);
    }
    this.failing = false;
    this.position = event.position;
    this.processed += 1;
    this.onAdvance();
  }

  async stop() {
    this.stopped = true;
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
  }

  /**
   * Records where it stands now, events it had nothing to do with included (a read model at a clean
   * stop: the next start applies nothing again). Not for reactors: a write racing one in flight
   * could move their checkpoint back, and a reactor must not act twice.
   */
  async checkpointNow() {
    if (!this.loaded || this.sinceCheckpoint === 0) return;
    this.sinceCheckpoint = 0;
    await this.deps.checkpoints.set(this.checkpointId, this.position, this.store);
  }

  async forget() {
    await this.deps.checkpoints.delete(this.checkpointId);
  }
}
