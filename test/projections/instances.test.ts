/**
 * Several instances on one read store (issue #23, point 3): two ProjectionRunners over the same
 * embedded read store and the same event store, as two service instances over one MongoDB.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { projections } from '../../projections/index.js';
import type { Projection } from '../../projections/types.js';
import type { UserEvent } from '../../domain/user/events.js';
import { createEventCodec } from '../../src/events/codec.js';
import { createSqliteEventStore } from '../../src/infra/eventstore/sqlite.js';
import { createSqliteKeyStore } from '../../src/infra/keystore/sqlite.js';
import { createMemoryReadStore } from '../../src/infra/readstore/memory.js';
import { openSqliteDatabase } from '../../src/infra/sqlite/database.js';
import { DuplicateKeyError, type Collection, type Doc, type ReadStore } from '../../src/ports/read-store.js';
import { registrationEvents } from '../support/user-events.js';
import { ProjectionRunner } from '../../src/projections/runner.js';

const logger = pino({ level: 'silent' });
const GRACE = 60_000;
const running: ProjectionRunner[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});

function makeWorld() {
  const db = openSqliteDatabase(join(mkdtempSync(join(tmpdir(), 'instances-')), 'a.db'));
  let now = Date.parse('2026-06-01T12:00:00.000Z');
  const eventStore = createSqliteEventStore(db);
  const codec = createEventCodec(createSqliteKeyStore(db));
  const readStore: ReadStore = createMemoryReadStore();
  const clock = () => new Date(now);
  return {
    readStore,
    clock,
    advance: (ms: number) => {
      now += ms;
    },
    /** One instance of the service: its own runner, the shared stores, the test's clock; polled by hand. */
    instance: (store: ReadStore = readStore, definitions: Projection[] = projections): ProjectionRunner => {
      const r = new ProjectionRunner({ eventStore, readStore: store, codec, logger, clock }, definitions, {
        registryPollMs: 0,
        graceMs: GRACE,
      });
      running.push(r);
      return r;
    },
    async append(userId: string, events: UserEvent[], revision: bigint | 'no_stream'): Promise<bigint> {
      const stream = `user-${userId}`;
      const ctx = { commandId: randomUUID(), correlationId: randomUUID(), actor: null, ip: null, userAgent: null };
      const encoded = await codec.encode(stream, events, ctx, revision === 'no_stream' ? 0n : revision + 1n);
      return (await eventStore.append(stream, encoded, { expectedRevision: revision })).position;
    },
  };
}

const registered = registrationEvents;

/** Waits (bounded by iterations, not by time) until `condition` holds. */
async function until(condition: () => boolean | Promise<boolean>) {
  for (let i = 0; i < 2000 && !(await condition()); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(await condition()).toBe(true);
}

describe('several instances on one read store', () => {
  it('a rebuild in one instance: the other keeps answering, follows the swap, and the old generation goes after the grace period', async () => {
    const world = makeWorld();
    const a = world.instance();
    const b = world.instance();
    await a.start();
    await b.start();
    const ids: string[] = [];
    for (let i = 0; i < 100; i += 1) {
      const id = randomUUID();
      await world.append(id, registered(id, `user${i}`), 'no_stream');
      ids.push(id);
    }
    expect(await a.catchUp(10_000)).toBe(true);
    expect(await b.catchUp(10_000)).toBe(true);

    const missing: string[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) {
        for (const id of ids) if (!(await b.collection('me', 'users').findOne({ _id: id }))) missing.push(id);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await a.rebuild('me');
    expect(a.status().find((s) => s.name === 'me')!.generation).toBe(2);
    // B has not looked at the registry yet: it still serves generation 1, which was kept.
    expect(b.status().find((s) => s.name === 'me')!.generation).toBe(1);
    const lateId = randomUUID();
    const late = await world.append(lateId, registered(lateId, 'late'), 'no_stream');
    expect(await b.waitFor(late, ['me'], 5000)).toBe(true);
    expect(await b.collection('me', 'users').findOne({ _id: lateId })).toMatchObject({ username: 'late' });

    await b.poll();
    expect(b.status().find((s) => s.name === 'me')).toMatchObject({ generation: 2, status: 'live' });
    expect(await b.waitFor(late, ['me'], 5000)).toBe(true);
    expect(await b.collection('me', 'users').countDocuments()).toBe(101);
    reading = false;
    await reader;
    expect(missing).toEqual([]);

    // Within the grace period nobody drops generation 1 (an older instance might still read it).
    world.advance(GRACE - 1);
    await a.poll();
    await b.poll();
    expect(await world.readStore.collection('users_g1').countDocuments()).toBe(101);
    world.advance(1);
    await b.poll(); // whichever instance notices first drops it
    await a.poll(); // and the other finds nothing left to do
    expect(await world.readStore.collection('users_g1').countDocuments()).toBe(0);
    expect(await world.readStore.listCollections()).not.toContain('users_g1');
    expect(await world.readStore.collection('_checkpoints').findOne({ _id: 'me:1' })).toBeNull();
    expect(await world.readStore.collection('_projections').findOne({ _id: 'me' })).toMatchObject({
      generation: 2,
      retired: [],
    });
    expect(await a.collection('me', 'users').countDocuments()).toBe(101);
  });

  it('a lagging instance replaying older writes brings back no deleted document, and no read sees a tombstone', async () => {
    const world = makeWorld();
    const a = world.instance();
    await a.start();
    const userId = randomUUID();
    const sessionId = randomUUID();
    await world.append(userId, registered(userId, 'ada', sessionId), 'no_stream');
    await world.append(userId, [{ type: 'SessionEnded', data: { sessionId, reason: 'logout' } }], 1n);
    await world.append(userId, [{ type: 'UserDeleted', data: { releasedClaims: [] } }], 2n);
    // The name is free again, and taken by someone else: a newer write brings its lookup back.
    const bobId = randomUUID();
    await world.append(bobId, registered(bobId, 'ada'), 'no_stream');
    expect(await a.catchUp(5000)).toBe(true);
    await a.stop();

    // As if another instance of the same generations lagged from the first event: it replays every
    // older upsert after the deletes that followed them.
    await world.readStore.collection('_checkpoints').deleteMany({});
    const lagging = world.instance();
    await lagging.start();
    expect(await lagging.catchUp(5000)).toBe(true);
    expect(lagging.status().find((s) => s.name === 'sessions')!.processed).toBeGreaterThan(0);

    expect(await lagging.collection('sessions', 'sessions').findOne({ _id: sessionId })).toBeNull();
    expect(await lagging.collection('sessions', 'sessions').countDocuments({ userId })).toBe(0);
    expect(await lagging.collection('me', 'users').findOne({ _id: userId })).toBeNull();
    expect((await lagging.collection('me', 'users').find({})).map((u) => u._id)).toEqual([bobId]);
    expect(await lagging.collection('me', 'users').countDocuments()).toBe(1);
    expect(await lagging.collection('lookups', 'lookups').findOne({ _id: 'username:ada' })).toMatchObject({
      userId: bobId,
    });
    expect(await lagging.collection('lookups', 'lookups').countDocuments({ userId })).toBe(0);
    // Underneath, the tombstone holds the deletion's stamp and nothing else.
    const tombstone = await world.readStore.collection('sessions_g1').findOne({ _id: sessionId, _deleted: true });
    expect(tombstone).toEqual({ _id: sessionId, _pos: 3, _deleted: true, _deleted_at: world.clock() });

    // Tombstones are purged once no instance can lag that far behind.
    world.advance(GRACE + 1);
    await lagging.poll();
    expect(await world.readStore.collection('sessions_g1').findOne({ _id: sessionId, _deleted: true })).toBeNull();
    expect(await world.readStore.collection('users_g1').findOne({ _id: userId, _deleted: true })).toBeNull();
    expect(await lagging.collection('me', 'users').countDocuments()).toBe(1);
  });

  it('a duplicate key on an upsert is retried as a conditional update: the newer version lands, an older one does not', async () => {
    const world = makeWorld();
    // Another instance inserts its version of the same document between this upsert's match and its insert.
    let race: ((id: string, stamp: number) => Record<string, unknown>) | null = null;
    const racing: ReadStore = {
      ...world.readStore,
      collection: <T extends Doc>(name: string) => {
        const real = world.readStore.collection<T>(name);
        if (name !== 'users_g1') return real;
        const updateOne: Collection<T>['updateOne'] = async (filter, update, options) => {
          const stamp = (update.$set as { _pos: number })._pos;
          if (race && options?.upsert) {
            const theirs = race(filter._id as string, stamp);
            race = null;
            await real.updateOne({ _id: filter._id }, { $set: theirs }, { upsert: true });
            throw new DuplicateKeyError(name, filter._id);
          }
          return real.updateOne(filter, update, options);
        };
        return new Proxy(real, {
          get: (target, key) => {
            if (key === 'updateOne') return updateOne;
            const value = Reflect.get(target, key);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
      },
    };
    const r = world.instance(racing);
    await r.start();

    race = (_id, stamp) => ({ _pos: stamp - 1, username: 'older', display_name: 'OLDER' });
    const ada = randomUUID();
    const first = await world.append(ada, registered(ada, 'ada'), 'no_stream');
    expect(await r.waitFor(first, ['me'], 5000)).toBe(true);
    expect(await r.collection('me', 'users').findOne({ _id: ada })).toMatchObject({
      username: 'ada',
      display_name: 'ADA',
      _pos: Number(first) - 1,
    });

    race = (_id, stamp) => ({ _pos: stamp + 5, username: 'newer', display_name: 'NEWER' });
    const bob = randomUUID();
    const second = await world.append(bob, registered(bob, 'bob'), 'no_stream');
    expect(await r.waitFor(second, ['me'], 5000)).toBe(true);
    expect(await r.collection('me', 'users').findOne({ _id: bob })).toMatchObject({
      username: 'newer',
      _pos: Number(second) + 4,
    });
    expect(race).toBeNull(); // both races happened
    expect(r.status().find((s) => s.name === 'me')!.status).toBe('live');
  });

  it('a duplicate key from another unique index is a real conflict: it surfaces and the event is retried, never skipped', async () => {
    const world = makeWorld();
    const labels: Projection = {
      name: 'labels',
      version: 1,
      collections: { labels: [{ keys: { label: 1 }, unique: true }] },
      handles: ['UserRegistered'],
      project: (event) => [
        { collection: 'labels', kind: 'upsert', id: event.data.userId, update: { $set: { label: event.data.email } } },
      ],
    };
    const r = world.instance(world.readStore, [labels]);
    await r.start();
    const first = randomUUID();
    await world.append(first, registered(first, 'same'), 'no_stream');
    const second = randomUUID();
    await world.append(second, registered(second, 'same'), 'no_stream');
    await until(() => r.status()[0]!.status === 'retrying');
    expect(await r.collection('labels', 'labels').findOne({ _id: second })).toBeNull();
    expect(await r.collection('labels', 'labels').findOne({ _id: first })).toMatchObject({ label: 'same@x.test' });
  });
});
