import { expect } from 'vitest';
import type { ProjectedEvent, Projection } from '../../projections/types.js';
import { createMemoryReadStore } from '../../src/infra/readstore/memory.js';
import type { Doc } from '../../src/ports/read-store.js';
import { replayInto } from '../../src/projections/replay.js';

/** An event as a spec gives it: its stream, type and (decoded) data. Its position and time follow from its place in the list. */
export interface GivenEvent {
  streamId: string;
  type: string;
  data: unknown;
}

/** Events of one stream, checked against their aggregate's union: `const alice = inStream<UserEvent>('user-…')`. */
export const inStream =
  <E extends { type: string; data: unknown }>(streamId: string) =>
  (event: E): GivenEvent => ({ streamId, type: event.type, data: event.data });

const FIRST = Date.parse('2026-06-01T12:00:00.000Z');

/** The time of the event at `position` (1-based, in the order given): a minute apart, from noon on 1 June 2026. */
export const at = (position: number) => new Date(FIRST + (position - 1) * 60_000).toISOString();

const recorded = (events: GivenEvent[]): ProjectedEvent[] =>
  events.map((event, i) => ({ ...event, position: BigInt(i + 1), created: new Date(at(i + 1)), metadata: {} }));

const byId = (a: Doc, b: Doc) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0);

/**
 * given(events).then({ collection: documents }) for one read model. The events go through the
 * projection into a fresh embedded read store (with the projection's indexes) by the service's own
 * fold, `replayInto` (the audit's "as it stood"; the runner adds only position stamps to the same
 * ops). Then every collection must hold exactly the documents named, in any order; a collection
 * left out must be empty.
 */
export const projectionSpec = (projection: Projection) => (events: GivenEvent[]) => ({
  then: async (expected: Record<string, Doc[]>) => {
    const store = createMemoryReadStore();
    for (const [name, indexes] of Object.entries(projection.collections)) {
      for (const index of indexes) await store.collection(name).createIndex(index);
    }
    await replayInto(store, projection, recorded(events));
    const names = new Set([
      ...Object.keys(projection.collections),
      ...Object.keys(expected),
      ...(await store.listCollections()),
    ]);
    const actual: Record<string, Doc[]> = {};
    const wanted: Record<string, Doc[]> = {};
    for (const name of [...names].sort()) {
      actual[name] = await store.collection(name).find({}, { sort: { _id: 1 } });
      wanted[name] = [...(expected[name] ?? [])].sort(byId);
    }
    expect(actual).toStrictEqual(wanted);
  },
});

/**
 * The guard for `handles`: every type a projection lists has an example among `examples` that makes
 * it write, and every example is of a type it lists (replay and the runner skip any other).
 */
export function expectEveryHandledTypeWrites(projection: Projection, examples: GivenEvent[]) {
  const events = recorded(examples);
  const silent = projection.handles.filter(
    (type) => !events.some((event) => event.type === type && projection.project(event).length > 0),
  );
  expect(silent, `${projection.name} handles these, but none of the examples makes it write`).toEqual([]);
  const unhandled = examples.map((event) => event.type).filter((type) => !projection.handles.includes(type));
  expect(unhandled, `${projection.name} does not handle these examples`).toEqual([]);
}
