import type { Logger } from 'pino';
import type { Projection, ProjectionOp } from '../../projections/types.js';
import type { EventStore, RecordedEvent, Subscription } from '../ports/event-store.js';
import { isDuplicateKey, type Collection, type Doc, type ReadStore } from '../ports/read-store.js';
import type { EventCodec } from '../events/codec.js';

const REGISTRY = '_projections';
const CHECKPOINTS = '_checkpoints';
/** Events that change nothing in a read model move its checkpoint only every so often. */
const IDLE_CHECKPOINT_EVERY = 500;
const RETRY_MS = 500;

interface RegistryDoc extends Doc {
  generation: number;
  version: number;
}

export interface ProjectionStatus {
  name: string;
  version: number;
  generation: number;
  position: bigint;
  status: 'catching_up' | 'live' | 'retrying' | 'rebuilding';
  processed: number;
  startedAt: Date;
}

export interface RunnerDeps {
  eventStore: EventStore;
  readStore: ReadStore;
  codec: EventCodec;
  logger: Logger;
}

const physicalName = (collection: string, generation: number) => `${collection}_g${generation}`;

/** One generation of one projection: its own subscription, checkpoint and collections. */
class ProjectionInstance {
  position = 0n;
  processed = 0;
  failing = false;
  readonly startedAt = new Date();
  private subscription: Subscription | null = null;
  private waiters: { position: bigint; resolve: () => void }[] = [];
  private sinceCheckpoint = 0;
  private stopped = false;
  private readonly handles: Set<string>;

  constructor(
    readonly definition: Projection,
    readonly generation: number,
    private readonly deps: RunnerDeps,
  ) {
    this.handles = new Set(definition.handles);
  }

  collection(name: string): Collection {
    return this.deps.readStore.collection(physicalName(name, this.generation));
  }

  private get checkpointId() {
    return `${this.definition.name}:${this.generation}`;
  }

  async start() {
    for (const [name, indexes] of Object.entries(this.definition.collections)) {
      for (const index of indexes) await this.collection(name).createIndex(index);
    }
    const checkpoint = await this.deps.readStore.collection(CHECKPOINTS).findOne({ _id: this.checkpointId });
    this.position = BigInt((checkpoint?.position as number | undefined) ?? 0);
    this.subscribe();
  }

  private subscribe() {
    if (this.stopped) return;
    const subscription = this.deps.eventStore.subscribeAll({ fromPosition: this.position }, (event) => this.apply(event));
    this.subscription = subscription;
    subscription.done.then(
      () => undefined,
      (error: unknown) => {
        // A failed write is retried from the last applied event: nothing is ever skipped.
        this.failing = true;
        this.deps.logger.error({ err: error, projection: this.definition.name }, 'projection failed; retrying');
        setTimeout(() => {
          if (this.subscription === subscription) this.subscribe();
        }, RETRY_MS).unref();
      },
    );
  }

  private async apply(event: RecordedEvent) {
    if (this.stopped) return;
    let ops: ProjectionOp[] = [];
    if (this.handles.has(event.type)) {
      const decoded = await this.deps.codec.decode(event);
      ops = this.definition.project(decoded);
    }
    const stamp = Number(event.position);
    for (const op of ops) await this.write(op, stamp);
    this.sinceCheckpoint += 1;
    if (ops.length > 0 || this.sinceCheckpoint >= IDLE_CHECKPOINT_EVERY) await this.checkpoint(stamp);
    this.failing = false;
    this.position = event.position;
    this.processed += 1;
    this.release();
  }

  /** Every write is conditional on the document's stamp being older, so a redelivery changes nothing. */
  private async write(op: ProjectionOp, stamp: number) {
    const collection = this.collection(op.collection);
    const older = { _pos: { $not: { $gte: stamp } } };
    if (op.kind === 'delete') {
      await collection.deleteMany({ ...op.filter, ...older });
      return;
    }
    const update = { ...op.update, $set: { ...(op.update.$set as object | undefined), _pos: stamp } };
    if (op.kind === 'update') {
      await collection.updateMany({ ...op.filter, ...older }, update);
      return;
    }
    try {
      await collection.updateOne({ _id: op.id, ...older }, update, { upsert: true });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error; // the document is already newer than this event
    }
  }

  private async checkpoint(stamp: number) {
    this.sinceCheckpoint = 0;
    await this.deps.readStore
      .collection(CHECKPOINTS)
      .updateOne({ _id: this.checkpointId }, { $set: { position: stamp } }, { upsert: true });
  }

  private release() {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) (waiter.position <= this.position ? waiter.resolve() : still.push(waiter));
    this.waiters = still;
  }

  /** Resolves true once this instance has applied `position`, false after `timeoutMs`. */
  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    if (this.position >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      this.waiters.push(waiter);
    });
  }

  async stop() {
    this.stopped = true;
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
  }

  async drop() {
    for (const name of Object.keys(this.definition.collections)) await this.collection(name).drop();
    await this.deps.readStore.collection(CHECKPOINTS).deleteOne({ _id: this.checkpointId });
  }
}

/**
 * Keeps every read model up to date from the event store. Each projection has a live generation
 * that serves reads; a rebuild fills the next generation beside it and swaps when it has caught
 * up, so reads never see a half-built model.
 */
export class ProjectionRunner {
  private readonly live = new Map<string, ProjectionInstance>();
  private readonly building = new Map<string, ProjectionInstance>();

  constructor(
    private readonly deps: RunnerDeps,
    private readonly definitions: Projection[],
  ) {}

  private definition(name: string): Projection {
    const definition = this.definitions.find((d) => d.name === name);
    if (!definition) throw new Error(`No projection named ${name}`);
    return definition;
  }

  async start() {
    const registry = this.deps.readStore.collection<RegistryDoc>(REGISTRY);
    for (const definition of this.definitions) {
      const entry = await registry.findOne({ _id: definition.name });
      const generation = entry?.generation ?? 1;
      if (!entry) await registry.updateOne({ _id: definition.name }, { $set: { generation, version: definition.version } }, { upsert: true });
      const instance = new ProjectionInstance(definition, generation, this.deps);
      this.live.set(definition.name, instance);
      await instance.start();
      // Code with a new version: build it beside the old documents, which serve until the swap.
      if (entry && entry.version !== definition.version) void this.rebuild(definition.name);
    }
  }

  /** The live collection of a read model. */
  collection<T extends Doc = Doc>(projection: string, name: string): Collection<T> {
    const instance = this.live.get(projection);
    if (!instance) throw new Error(`Projection ${projection} is not running`);
    return instance.collection(name) as unknown as Collection<T>;
  }

  /** Read-your-writes: waits (bounded) until the named read models have applied `position`. */
  async waitFor(position: bigint | null, names: string[], timeoutMs: number): Promise<boolean> {
    if (position === null) return true;
    const deadline = Date.now() + timeoutMs;
    for (const name of names) {
      // The live instance may be swapped while we wait; then wait on the new one.
      for (;;) {
        const instance = this.live.get(name)!;
        const left = deadline - Date.now();
        if (await instance.waitFor(position, Math.max(0, left))) break;
        if (this.live.get(name) === instance || Date.now() >= deadline) return false;
      }
    }
    return true;
  }

  /** Waits until every read model has applied what the store held when this was called. */
  async catchUp(timeoutMs = 10 * 60_000): Promise<boolean> {
    const head = await this.deps.eventStore.headPosition();
    return this.waitFor(head, [...this.live.keys()], timeoutMs);
  }

  /** Builds the next generation from the first event, swaps it in when caught up, drops the old. */
  async rebuild(name: string): Promise<void> {
    const definition = this.definition(name);
    if (this.building.has(name)) return;
    const current = this.live.get(name)!;
    const next = new ProjectionInstance(definition, current.generation + 1, this.deps);
    this.building.set(name, next);
    try {
      await next.drop(); // leftovers of an earlier rebuild that did not finish
      await next.start();
      for (;;) {
        const head = await this.deps.eventStore.headPosition();
        if (await next.waitFor(head, 60_000)) break;
      }
      await this.deps.readStore
        .collection<RegistryDoc>(REGISTRY)
        .updateOne({ _id: name }, { $set: { generation: next.generation, version: definition.version } }, { upsert: true });
      this.live.set(name, next);
      await current.stop();
      await current.drop();
    } finally {
      this.building.delete(name);
    }
  }

  status(): ProjectionStatus[] {
    const describe = (instance: ProjectionInstance, rebuilding: boolean): ProjectionStatus => ({
      name: instance.definition.name,
      version: instance.definition.version,
      generation: instance.generation,
      position: instance.position,
      status: rebuilding ? 'rebuilding' : instance.failing ? 'retrying' : 'live',
      processed: instance.processed,
      startedAt: instance.startedAt,
    });
    return [
      ...[...this.live.values()].map((i) => describe(i, false)),
      ...[...this.building.values()].map((i) => describe(i, true)),
    ];
  }

  async stop() {
    for (const instance of [...this.building.values(), ...this.live.values()]) await instance.stop();
  }
}
