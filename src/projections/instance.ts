/** ProjectionInstance: one generation of one read model, with its subscription, stamped writes, checkpoint and waiters. */
import type { Logger } from 'pino';
import type { Projection, ProjectionOp } from '../../projections/types.js';
import type { EventStore, RecordedEvent } from '../ports/event-store.js';
import {
  isDuplicateKey,
  TOMBSTONE,
  type Collection,
  type ReadStore,
  type UpdateDocument,
} from '../ports/read-store.js';
import type { EventCodec } from '../events/codec.js';
import { CheckpointedSubscription, readStoreCheckpoints } from '../subscriptions/checkpointed.js';
import { catchUpTogether } from './catch-up.js';
import { storedTypes } from '../../domain/user/upcast.js';

export interface RunnerDeps {
  eventStore: EventStore;
  readStore: ReadStore;
  codec: EventCodec;
  logger: Logger;
  /** The time a tombstone is stamped with, and retirements are judged by; injected by tests. */
  clock?: () => Date;
}

const physicalName = (collection: string, generation: number) => `${collection}_g${generation}`;

/**
 * An upsert's update as applied to a tombstone it brings back: the tombstone holds nothing but its
 * stamp, so applying the update to it with `$setOnInsert` as `$set` gives what an insert would have.
 */
const revival = (update: UpdateDocument): UpdateDocument => {
  const { $setOnInsert, ...rest } = update as { $setOnInsert?: object } & UpdateDocument;
  return {
    ...rest,
    $set: { ...($setOnInsert ?? {}), ...(rest.$set as object) },
    $unset: { ...(rest.$unset as object | undefined), [TOMBSTONE]: '', _deleted_at: '' },
  };
};

/** One generation of one projection: its own subscription, checkpoint and collections. */
export class ProjectionInstance {
  readonly startedAt = new Date();
  private waiters: { position: bigint; resolve: (reached: boolean) => void }[] = [];
  private readonly handles: Set<string>;
  private readonly subscription: CheckpointedSubscription;

  constructor(
    readonly definition: Projection,
    readonly generation: number,
    private readonly deps: RunnerDeps,
  ) {
    // Stored events of older shapes are filtered by their stored type, and read as today's.
    this.handles = new Set(storedTypes(definition.handles));
    this.subscription = new CheckpointedSubscription(
      { ...deps, checkpoints: readStoreCheckpoints(deps.readStore) },
      `${definition.name}:${generation}`,
      (event) => this.apply(event),
      () => this.release(),
      // Built against another store: read models this process alone serves (in memory, or in the
      // embedded file) are built again; in a shared read store other instances serve them, so
      // nothing is dropped and the start refuses.
      deps.readStore.shared ? 'refuse' : 'start-over',
    );
  }

  get position() {
    return this.subscription.position;
  }
  get processed() {
    return this.subscription.processed;
  }
  get failing() {
    return this.subscription.failing;
  }

  collection(name: string): Collection {
    return this.deps.readStore.collection(physicalName(name, this.generation));
  }

  /** Its indexes and checkpoint, before any event is delivered to it. */
  async prepare() {
    await this.subscription.load();
    if (this.subscription.startedOver)
      for (const name of Object.keys(this.definition.collections)) await this.collection(name).drop();
    for (const [name, indexes] of Object.entries(this.definition.collections)) {
      for (const index of indexes) await this.collection(name).createIndex(index);
    }
  }

  /** One event from a catch-up read in batches (see catch-up.ts). */
  deliver(event: RecordedEvent) {
    return this.subscription.deliver(event);
  }

  /**
   * Prepared, then up to the head in batches (their keys looked up together, the event loop let
   * run between them), then live on its subscription: a new generation, built alone.
   */
  async start() {
    await this.prepare();
    await catchUpTogether(this.deps, [this]);
    await this.subscription.start();
  }

  /** Subscribes from where it stands, once prepared (and maybe fed by a shared catch-up). */
  async subscribe() {
    await this.subscription.start();
  }

  private apply(event: RecordedEvent): boolean | Promise<boolean> {
    if (!this.handles.has(event.type)) return false;
    return this.project(event);
  }

  private async project(event: RecordedEvent): Promise<boolean> {
    const ops = this.definition.project(await this.deps.codec.decode(event));
    const stamp = Number(event.position);
    for (const op of ops) await this.write(op, stamp);
    return ops.length > 0;
  }

  /**
   * Every write is conditional on the document's stamp being older, so a redelivery changes nothing,
   * and neither does another instance of the same generation replaying an older event later.
   */
  private async write(op: ProjectionOp, stamp: number) {
    const collection = this.collection(op.collection);
    const older = { _pos: { $not: { $gte: stamp } } };
    if (op.kind === 'delete') {
      // A tombstone, not a delete: an older upsert replayed after this finds a newer stamp.
      await collection.tombstone({ ...op.filter, ...older }, stamp, this.now());
      return;
    }
    const update = { ...op.update, $set: { ...(op.update.$set as object | undefined), _pos: stamp } };
    if (op.kind === 'update') {
      await collection.updateMany({ ...op.filter, ...older }, update);
      return;
    }
    try {
      await collection.updateOne({ _id: op.id, ...older }, update, { upsert: true });
      return;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      await this.afterDuplicate(collection, op.id, update, stamp, error);
    }
  }

  /**
   * The upsert found no older live document and could not insert. Either a document with this `_id`
   * is there (another instance inserted it in the race, maybe an older version; or it is a
   * tombstone), or the insert broke another unique index. The first two are settled here by
   * conditional updates; a duplicate key these throw comes from another unique index and is a
   * real conflict, so it surfaces (the subscription retries the event), as does the original error
   * when no document with this `_id` exists at all: swallowing it would lose the write silently.
   */
  private async afterDuplicate(
    collection: Collection,
    id: string,
    update: UpdateDocument,
    stamp: number,
    duplicate: unknown,
  ) {
    const older = { _pos: { $not: { $gte: stamp } } };
    if ((await collection.updateOne({ _id: id, ...older }, update)).matchedCount > 0) return;
    // A tombstone older than this event, or made by this very event (a delete then a put of the same
    // key, as when a username changes only its case): the document is created again.
    const notNewer = { _pos: { $not: { $gt: stamp } } };
    if ((await collection.updateOne({ _id: id, [TOMBSTONE]: true, ...notNewer }, revival(update))).matchedCount > 0)
      return;
    // Naming `_deleted` makes tombstones count: a newer document or tombstone means "already applied".
    const newer = await collection.findOne({ _id: id, _pos: { $gte: stamp }, [TOMBSTONE]: { $in: [true, null] } });
    if (!newer) throw duplicate;
  }

  private release() {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) waiter.position <= this.position ? waiter.resolve(true) : still.push(waiter);
    this.waiters = still;
  }

  /** Resolves true once this instance has applied `position`; false after `timeoutMs` or a stop. */
  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    if (this.position >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        position,
        resolve: (reached: boolean) => {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => waiter.resolve(false), timeoutMs);
      this.waiters.push(waiter);
    });
  }

  async stop() {
    await this.subscription.stop();
    // Its writes are stamped, so a checkpoint racing a write still in flight costs at most a redelivery.
    await this.subscription.checkpointNow();
    // Whoever waits here is told at once; the runner then waits on the generation that replaced this one.
    for (const waiter of [...this.waiters]) waiter.resolve(false);
  }

  /** Removes the tombstones deleted before `before`: no instance lags that far behind (the grace period). */
  async purgeTombstones(before: Date) {
    for (const name of Object.keys(this.definition.collections))
      await this.collection(name).deleteMany({ [TOMBSTONE]: true, _deleted_at: { $lt: before } });
  }

  private now() {
    return this.deps.clock?.() ?? new Date();
  }

  async drop() {
    for (const name of Object.keys(this.definition.collections)) await this.collection(name).drop();
    await this.subscription.forget();
  }
}
