/** ProjectionRunner: every read model's live generation, catch-up together at start, read-your-writes waits and rebuilds. */
import type { Projection } from '../../projections/types.js';
import type { Collection, Doc } from '../ports/read-store.js';
import { catchUpTogether } from './catch-up.js';
import { ProjectionInstance, type RunnerDeps } from './instance.js';
import { dropRetired, recordSwap, registryOf, type RegistryDoc } from './registry.js';
import { describeInstance, type ProjectionStatus } from './status.js';

export type { RunnerDeps } from './instance.js';
export type { ProjectionStatus } from './status.js';

/** How long a follow of another instance's swap waits to catch up before the next poll tries again. */
const FOLLOW_GIVES_UP_AFTER_MS = 5 * 60_000;
/** The tombstone purge reads every collection: not more often than this, whatever the grace period. */
const PURGE_AT_MOST_EVERY_MS = 60_000;

export interface RunnerOptions {
  /** How often the registry is read for another instance's swaps and for retired generations; 0: never (tests call poll). */
  registryPollMs?: number;
  /**
   * How long a retired generation, and a tombstone, is kept: longer than any instance sharing the
   * read store takes to follow a swap, or lags behind the events.
   */
  graceMs?: number;
}

/**
 * Keeps every read model up to date from the event store. Each projection has a live generation
 * that serves reads; a rebuild fills the next generation beside it and swaps when it has caught
 * up, so reads never see a half-built model.
 */
export class ProjectionRunner {
  private readonly live = new Map<string, ProjectionInstance>();
  private readonly building = new Map<string, ProjectionInstance>();
  private readonly registryPollMs: number;
  private readonly graceMs: number;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private lastPurge = Number.NEGATIVE_INFINITY;
  private stopping = false;
  private readonly unfollowable = new Set<string>();
  /** The highest generation of each read model the registry named, retired ones included. */
  private readonly highest = new Map<string, number>();

  constructor(
    private readonly deps: RunnerDeps,
    private readonly definitions: Projection[],
    options: RunnerOptions = {},
  ) {
    this.registryPollMs = options.registryPollMs ?? 2000;
    this.graceMs = options.graceMs ?? 10 * 60_000;
  }

  private remember(entry: RegistryDoc) {
    const generations = [entry.generation, ...(entry.retired ?? []).map((r) => r.generation)];
    this.highest.set(entry._id, Math.max(this.highest.get(entry._id) ?? 0, ...generations));
  }

  private now() {
    return this.deps.clock?.() ?? new Date();
  }

  private definition(name: string): Projection {
    const definition = this.definitions.find((d) => d.name === name);
    if (!definition) throw new Error(`No projection named ${name}`);
    return definition;
  }

  async start() {
    const registry = registryOf(this.deps.readStore);
    const outdated: string[] = [];
    for (const definition of this.definitions) {
      const entry = await registry.findOne({ _id: definition.name });
      if (entry) this.remember(entry);
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
    await catchUpTogether(this.deps, [...this.live.values()]);
    for (const instance of this.live.values()) await instance.subscribe();
    for (const name of outdated) this.rebuildInBackground(name);
    if (this.registryPollMs > 0) {
      this.timer = setInterval(() => void this.poll(), this.registryPollMs);
      this.timer.unref();
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

  /**
   * Waits (bounded) until every read model has applied what the store held when this was called,
   * or only `upTo` if that is lower: a position beyond the head (another deployment's, a made-up
   * one) waits for no more than the head.
   */
  async catchUp(timeoutMs = 10 * 60_000, upTo?: bigint): Promise<boolean> {
    const head = await this.deps.eventStore.headPosition();
    return this.waitFor(upTo !== undefined && upTo < head ? upTo : head, [...this.live.keys()], timeoutMs);
  }

  /**
   * Builds the next generation from the first event and swaps it in when caught up. The old one is
   * retired in the registry, not dropped: other instances still read it until they follow the swap,
   * and it is dropped once the grace period has passed (see poll).
   */
  async rebuild(name: string): Promise<void> {
    const definition = this.definition(name);
    if (this.building.has(name)) return;
    const current = this.live.get(name)!;
    const registry = registryOf(this.deps.readStore);
    // Above every generation the registry named at the last look, so that a generation another
    // instance serves or still has to drop is never reused. Chosen synchronously: the status shows
    // the rebuild as soon as it is asked for.
    const generation = Math.max(current.generation, this.highest.get(name) ?? 0) + 1;
    this.highest.set(name, generation);
    const next = new ProjectionInstance(definition, generation, this.deps);
    this.building.set(name, next);
    try {
      await next.drop(); // leftovers of an earlier rebuild that did not finish
      await next.start();
      await this.swapWhenCaughtUp(name, current, next);
      await recordSwap(registry, name, {
        generation: next.generation,
        version: definition.version,
        retired: current.generation,
        at: this.now(),
      });
      // At once, not with the next batch: a restart must not serve the retired generation again.
      await this.deps.readStore.flush();
      this.deps.logger.info({ projection: name, generation: next.generation }, 'rebuilt: the new generation serves');
    } finally {
      this.building.delete(name);
    }
  }

  /**
   * Caught up means: at the store's head, and not behind the live generation, checked and swapped in
   * the same tick so that no read after the swap sees older data than before it.
   */
  private async swapWhenCaughtUp(
    name: string,
    current: ProjectionInstance,
    next: ProjectionInstance,
    giveUpAfterMs = Number.POSITIVE_INFINITY,
  ) {
    const deadline = Date.now() + giveUpAfterMs;
    for (;;) {
      // A stop, or a follow that cannot catch up (its subscription keeps failing), ends the wait:
      // the next poll tries again, and a stop is never held up.
      if (this.stopping) throw new Error(`projection ${name}: stopped before generation ${next.generation} caught up`);
      if (Date.now() > deadline)
        throw new Error(`projection ${name}: generation ${next.generation} did not catch up; following again later`);
      const head = await this.deps.eventStore.headPosition();
      const target = head > current.position ? head : current.position;
      await next.waitFor(target, 60_000);
      if (next.position >= target && next.position >= current.position) break;
    }
    this.live.set(name, next);
    await current.stop();
  }

  /**
   * One look at the registry (the timer's, every registryPollMs): follows a swap another instance
   * made, drops retired generations whose grace period has passed, and now and then purges old
   * tombstones. Polls never overlap; a failure is logged and the next poll tries again.
   */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'reading the projection registry failed'))
      .finally(() => {
        this.polling = null;
      });
    return this.polling;
  }

  private async pollOnce() {
    const registry = registryOf(this.deps.readStore);
    const now = this.now();
    for (const definition of this.definitions) {
      const name = definition.name;
      const entry = await registry.findOne({ _id: name });
      if (!entry || !this.live.has(name)) continue;
      this.remember(entry);
      if (entry.generation > this.live.get(name)!.generation && !this.building.has(name))
        await this.follow(definition, entry);
      const inUse = [this.live.get(name)!.generation, this.building.get(name)?.generation];
      await dropRetired({ ...this.deps, registry }, definition, entry, { now, graceMs: this.graceMs, inUse });
    }
    // Each grace period, but not more often than a minute: the purge reads every collection.
    if (now.getTime() - this.lastPurge >= Math.max(this.graceMs, PURGE_AT_MOST_EVERY_MS)) {
      this.lastPurge = now.getTime();
      const before = new Date(now.getTime() - this.graceMs);
      for (const instance of this.live.values()) await instance.purgeTombstones(before);
    }
  }

  /**
   * Another instance swapped in a newer generation: start it here from its checkpoint (the other
   * instance built it, so it is nearly caught up) and swap the same way a rebuild does. The old
   * generation is stopped, not dropped: the instance that retired it dropped nothing either.
   */
  private async follow(definition: Projection, entry: { generation: number; version: number }) {
    const name = definition.name;
    // A generation built by other code (a rolling deploy) has documents of another shape: keep ours
    // until this instance is replaced, within the grace period.
    if (entry.version !== definition.version) {
      if (!this.unfollowable.has(`${name}:${entry.generation}`))
        this.deps.logger.warn(
          { projection: name, generation: entry.generation, version: entry.version, ours: definition.version },
          'another instance serves a generation of another version; this one keeps its own until replaced',
        );
      this.unfollowable.add(`${name}:${entry.generation}`);
      return;
    }
    const current = this.live.get(name)!;
    const next = new ProjectionInstance(definition, entry.generation, this.deps);
    this.building.set(name, next);
    try {
      await next.start();
      await this.swapWhenCaughtUp(name, current, next, FOLLOW_GIVES_UP_AFTER_MS);
      this.deps.logger.info({ projection: name, generation: next.generation }, 'followed a swap of another instance');
    } catch (error) {
      await next.stop();
      throw error;
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
    return [
      ...[...this.live.values()].map((i) => describeInstance(i, false)),
      ...[...this.building.values()].map((i) => describeInstance(i, true)),
    ];
  }

  async stop() {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // A follow or rebuild waiting to catch up stops waiting (see swapWhenCaughtUp).
    for (const instance of this.building.values()) await instance.stop();
    await this.polling;
    for (const instance of [...this.building.values(), ...this.live.values()]) await instance.stop();
  }
}
