/** ProjectionRunner: every read model's live generation, catch-up together at start, read-your-writes waits and rebuilds. */
import type { Projection } from '../../projections/types.js';
import type { Collection, Doc } from '../ports/read-store.js';
import { ProjectionInstance, type RunnerDeps } from './instance.js';

export type { RunnerDeps } from './instance.js';

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
      if (!entry)
        await registry.updateOne(
          { _id: definition.name },
          { $set: { generation, version: definition.version } },
          { upsert: true },
        );
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
    let position = instances.reduce(
      (least, i) => (i.position < least ? i.position : least),
      instances[0]?.position ?? 0n,
    );
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
            this.deps.logger.error(
              { err: error, projection: instance.definition.name },
              'catching up failed; its subscription retries',
            );
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
        .updateOne(
          { _id: name },
          { $set: { generation: next.generation, version: definition.version } },
          { upsert: true },
        );
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
