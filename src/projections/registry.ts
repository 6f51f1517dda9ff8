/**
 * The projection registry: one document per read model in the read store, naming the generation
 * that serves it. Every instance on the same read store follows it (see ProjectionRunner.poll).
 */
import type { Projection } from '../../projections/types.js';
import type { Collection, Doc, ReadStore } from '../ports/read-store.js';
import { ProjectionInstance, type RunnerDeps } from './instance.js';

export const REGISTRY = '_projections';

/** A generation swapped out by a rebuild, kept until no instance can still be reading it. */
export interface Retired {
  generation: number;
  at: Date;
}

export interface RegistryDoc extends Doc {
  generation: number;
  version: number;
  /** Written by this version on; an older instance ignores the field (the grace period covers it). */
  retired?: Retired[];
}

export const registryOf = (readStore: ReadStore): Collection<RegistryDoc> =>
  readStore.collection<RegistryDoc>(REGISTRY);

/** A swap: the new generation serves, the old one is retired at `at` and dropped after the grace period. */
export async function recordSwap(
  registry: Collection<RegistryDoc>,
  name: string,
  swap: { generation: number; version: number; retired: number; at: Date },
) {
  await registry.updateOne(
    { _id: name },
    {
      $set: { generation: swap.generation, version: swap.version },
      $push: { retired: { generation: swap.retired, at: swap.at } },
    },
    { upsert: true },
  );
}

/** The retired generations whose grace period has passed at `now`. */
const dueForDrop = (entry: RegistryDoc, now: Date, graceMs: number): number[] =>
  (entry.retired ?? []).filter((r) => new Date(r.at).getTime() + graceMs <= now.getTime()).map((r) => r.generation);

/**
 * Drops the retired generations of a read model whose grace period has passed, whichever instance
 * sees it first: dropping a dropped collection and pulling a pulled entry change nothing. A
 * generation still `inUse` here is skipped (this instance could not follow); another drops it.
 */
export async function dropRetired(
  deps: RunnerDeps & { registry: Collection<RegistryDoc> },
  definition: Projection,
  entry: RegistryDoc,
  when: { now: Date; graceMs: number; inUse: (number | undefined)[] },
) {
  for (const generation of dueForDrop(entry, when.now, when.graceMs)) {
    if (when.inUse.includes(generation)) continue;
    await new ProjectionInstance(definition, generation, deps).drop();
    await deps.registry.updateOne({ _id: definition.name }, { $pull: { retired: { generation } } });
    deps.logger.info({ projection: definition.name, generation }, 'retired generation dropped');
  }
}
