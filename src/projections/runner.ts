import type { Logger } from 'pino';
import type { Projection, ProjectionOp } from '../../projections/types.js';
import type { EventStore, RecordedEvent } from '../ports/event-store.js';
import { isDuplicateKey, type Collection, type Doc, type ReadStore } from '../ports/read-store.js';
import type { EventCodec } from '../events/codec.js';
import { CheckpointedSubscription, readStoreCheckpoints } from '../subscriptions/checkpointed.js';

const REGISTRY = '_projections';
/** Events read at once by a shared catch-up. */
const CATCH_UP_BATCH = 1000;

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
  readonly startedAt = new Date();
  private waiters: { position: bigint; resolve: (reached: boolean) => void }[] = [];
  private readonly handles: Set<string>;
  private readonly subscription: CheckpointedSubscription;

  constructor(
    readonly definition: Projection,
    readonly generation: number,
    private readonly deps: RunnerDeps,
  ) {
    this.handles = new Set(definition.handles);
    this.subscription = new CheckpointedSubscription({ ...deps, checkpoints: readStoreCheckpoints(deps.readStore) }, `${definition.name}:${generation}`, (event) => this.apply(event), () => this.release());
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
    for (const [name, indexes] of Object.entries(this.definition.collections)) {
      for (const index of indexes) await this.collection(name).createIndex(index);
    }
    await this.subscription.load();
  }

  /** One event from a shared catch-up read (see ProjectionRunner.catchUpTogether). */
  deliver(event: RecordedEvent) {
    return this.subscription.deliver(event);
  }

  async start() {
    await this.prepare();
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

  private release() {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) (waiter.position <= this.position ? waiter.resolve(true) : still.push(waiter));
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
    // Whoever waits here is told at once; the runner then waits on the generation that replaced this one.
    for (const waiter of [...this.waiters]) waiter.resolve(false);
  }

  async drop() {
    for (const name of Object.keys(this.definition.collections)) await this.collection(name).drop();
    await this.subscription.forget();
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
    const outdated: string[] = [];
    for (const definition of this.definitions) {
      const entry = await registry.findOne({ _id: definition.name });
      const generation = entry?.generation ?? 1;
      if (!entry) await registry.updateOne({ _id: definition.name }, { $set: { generation, version: definition.version } }, { upsert: true });
      const instance = new ProjectionInstance(definition, generation, this.deps);
      this.live.set(definition.name, instance);
      await instance.prepare();
      // Code with a new version: build it beside the old documents, which serve until the swap.
      if (entry && entry.version !== definition.version) outdated.push(definition.name);
    }
    await this.catchUpTogether([...this.live.values()]);
    for (const instance of this.live.values()) await instance.subscribe();
    for (const name of outdated) this.rebuildInBackground(name);
  }

  /**
   * Every read model behind the store's head, fed from one read of each batch: the events are read,
   * parsed and decoded once for all of them (the decoded-event cache serves the second reader on),
   * instead of once per read model, each on its own subscription. Each applies an event exactly as
   * its subscription would (writes, then checkpoint); one that fails drops out here and retries on
   * its own subscription from its checkpoint. The live subscriptions take over from where this ends.
   */
  private async catchUpTogether(instances: ProjectionInstance[]) {
    const failed = new Set<ProjectionInstance>();
    let position = instances.reduce((least, i) => (i.position < least ? i.position : least), instances[0]?.position ?? 0n);
    for (;;) {
      const batch = await this.deps.eventStore.readAll({ fromPosition: position, maxCount: CATCH_UP_BATCH });
      if (batch.length === 0) return;
      for (const event of batch) {
        for (const instance of instances) {
          if (failed.has(instance)) continue;
          try {
            const pending = instance.deliver(event);
            if (pending) await pending;
          } catch (error) {
            failed.add(instance);
            this.deps.logger.error({ err: error, projection: instance.definition.name }, 'catching up failed; its subscription retries');
          }
        }
      }
      position = batch[batch.length - 1]!.position;
    }
  }

  /** The live collection of a read model. */
  collection<T extends Doc = Doc>(projection: string, name: string): Collection<T> {
    const instance = this.live.get(projection);
    if (!instance) throw new Error(`Projection ${projection} is not running`);
    return instance.collection(name) as unknown as Collection<T>;
  }

  /**
   * Read-your-writes, derived: the read models that show any of these event types, from what
   * each projection says it handles. A command waits for these, and for nothing else.
   */
  readModelsShowing(eventTypes: Iterable<string>): string[] {
    const types = new Set(eventTypes);
    return this.definitions.filter((d) => d.handles.some((type) => types.has(type))).map((d) => d.name);
  }

  /** The read model a collection belongs to (collection names are unique across projections). */
  readModelOf(collection: string): string {
    const definition = this.definitions.find((d) => collection in d.collections);
    if (!definition) throw new Error(`No read model has a collection ${collection}`);
    return definition.name;
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
      // Caught up means: at the store's head, and not behind the live generation, checked and
      // swapped in the same tick so that no read after the swap sees older data than before it.
      for (;;) {
        const head = await this.deps.eventStore.headPosition();
        const target = head > current.position ? head : current.position;
        await next.waitFor(target, 60_000);
        if (next.position >= target && next.position >= current.position) break;
      }
      this.live.set(name, next);
      await current.stop();
      await this.deps.readStore
        .collection<RegistryDoc>(REGISTRY)
        .updateOne({ _id: name }, { $set: { generation: next.generation, version: definition.version } }, { upsert: true });
      await current.drop();
    } finally {
      this.building.delete(name);
    }
  }

  /** A rebuild nobody awaits: a failure is logged and tried again, never an unhandled rejection. */
  rebuildInBackground(name: string, delayMs = 1000) {
    this.rebuild(name).catch((error: unknown) => {
      this.deps.logger.error({ err: error, projection: name }, 'rebuild failed; trying again');
      setTimeout(() => this.rebuildInBackground(name, Math.min(delayMs * 2, 60_000)), delayMs).unref();
    });
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
