import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { projections } from '../../projections/index.js';
import { meProjection } from '../../projections/me.js';
import type { UserEvent } from '../../domain/user/events.js';
import { BoundedCache } from '../../src/bounded-cache.js';
import { createEventCodec, type EventCodec } from '../../src/events/codec.js';
import { createSqliteEventStore } from '../../src/infra/eventstore/sqlite.js';
import { createSqliteKeyStore } from '../../src/infra/keystore/sqlite.js';
import { createMemoryReadStore } from '../../src/infra/readstore/memory.js';
import { openSqliteReadStore } from '../../src/infra/readstore/sqlite.js';
import { openMongoReadStore } from '../../src/infra/readstore/mongo.js';
import { openSqliteDatabase } from '../../src/infra/sqlite/database.js';
import type { EventStore } from '../../src/ports/event-store.js';
import type { Doc, ReadStore } from '../../src/ports/read-store.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { registrationEvents } from '../support/user-events.js';

const logger = pino({ level: 'silent' });

interface World {
  eventStore: EventStore;
  codec: EventCodec;
  readStore: ReadStore;
  runners: ProjectionRunner[];
}

const worlds: World[] = [];
afterEach(async () => {
  for (const world of worlds.splice(0)) for (const runner of world.runners) await runner.stop();
});

/** The suite runs on every read store: in memory always, MongoDB (a fresh database per test) when MONGO_URL is set. */
const readStores: [string, () => Promise<ReadStore>][] = [
  ['memory (mingo)', async () => createMemoryReadStore()],
  [
    'SQLite',
    async () =>
      openSqliteReadStore(join(mkdtempSync(join(tmpdir(), 'runner-reads-')), 'r.db'), {
        cache: new BoundedCache<string, Doc>(50),
      }),
  ],
];
const mongoUrl = process.env.MONGO_URL;
if (mongoUrl) {
  readStores.push([
    'MongoDB',
    () => {
      const url = new URL(mongoUrl);
      url.pathname = `/runner_${randomUUID().replaceAll('-', '')}`;
      return openMongoReadStore(url.toString());
    },
  ]);
} else
  console.warn('MONGO_URL is not set: the projection runner suite runs on the in-memory and SQLite read stores only.');

let openReadStore = readStores[0]![1];

async function makeWorld(): Promise<World> {
  const db = openSqliteDatabase(join(mkdtempSync(join(tmpdir(), 'runner-')), 'a.db'));
  const world = {
    eventStore: createSqliteEventStore(db),
    codec: createEventCodec(createSqliteKeyStore(db)),
    readStore: await openReadStore(),
    runners: [],
  };
  worlds.push(world);
  return world;
}

const runner = (world: World, readStore = world.readStore, definitions = projections) => {
  const r = new ProjectionRunner({ eventStore: world.eventStore, readStore, codec: world.codec, logger }, definitions);
  world.runners.push(r);
  return r;
};

const ctx = () => ({
  commandId: randomUUID(),
  correlationId: randomUUID(),
  actor: null,
  ip: '10.1.2.3',
  userAgent: 'test',
});

async function registerUser(world: World, name: string) {
  const userId = randomUUID();
  const events = registrationEvents(userId, name);

  const stream = `user-${userId}`;
  const result = await world.eventStore.append(stream, await world.codec.encode(stream, events, ctx(), 0n), {
    expectedRevision: 'no_stream',
  });
  return { userId, position: result.position };
}

async function rename(world: World, userId: string, displayName: string, revision: bigint) {
  const stream = `user-${userId}`;
  const event: UserEvent = { type: 'DisplayNameChanged', data: { displayName } };
  return (
    await world.eventStore.append(stream, await world.codec.encode(stream, [event], ctx(), revision + 1n), {
      expectedRevision: revision,
    })
  ).position;
}

const snapshot = async (r: ProjectionRunner) => ({
  users: await r.collection('me', 'users').find({}, { sort: { _id: 1 } }),
  lookups: await r.collection('lookups', 'lookups').find({}, { sort: { _id: 1 } }),
  sessions: await r.collection('sessions', 'sessions').find({}, { sort: { _id: 1 } }),
});

for (const [storeName, open] of readStores)
  describe(`projection runner on ${storeName}`, () => {
    beforeEach(() => {
      openReadStore = open;
    });

    it('applies events, stamps documents with their position, and read-your-writes waits for a later append', async () => {
      const world = await makeWorld();
      const r = runner(world);
      await r.start();
      const { userId, position } = await registerUser(world, 'ada');
      expect(await r.waitFor(position, ['me', 'lookups', 'sessions'], 2000)).toBe(true);
      expect(await r.collection('me', 'users').findOne({ _id: userId })).toMatchObject({
        username: 'ada',
        email: 'ada@x.test',
        display_name: 'ADA',
        _pos: Number(position) - 1,
      });
      expect(await r.collection('sessions', 'sessions').findOne({ userId })).toMatchObject({ _pos: Number(position) });
      expect(await r.collection('lookups', 'lookups').findOne({ _id: 'username:ada' })).toMatchObject({ userId });
      expect(await r.waitFor(position + 1000n, ['me'], 50)).toBe(false);
    });

    it('keeps a checkpoint with its writes and resumes from it without re-reading what it applied', async () => {
      const world = await makeWorld();
      const first = runner(world);
      await first.start();
      for (let i = 0; i < 20; i += 1) await registerUser(world, `u${i}`);
      expect(await first.catchUp(5000)).toBe(true);
      await first.stop();
      const checkpoint = await world.readStore.collection('_checkpoints').findOne({ _id: 'sessions:1' });
      expect(checkpoint?.position).toBe(Number(await world.eventStore.headPosition()));

      const second = runner(world);
      await second.start();
      expect(await second.catchUp(5000)).toBe(true);
      expect(second.status().find((s) => s.name === 'sessions')!.processed).toBe(0);
      // `me` had nothing to do with the last session event, but a clean stop records it read too.
      expect(second.status().find((s) => s.name === 'me')!.processed).toBe(0);
      expect(await second.collection('me', 'users').countDocuments()).toBe(20);
    });

    it('redelivered events change nothing: a checkpoint lost in a crash replays to the same documents', async () => {
      const world = await makeWorld();
      const first = runner(world);
      await first.start();
      const users = [];
      for (let i = 0; i < 10; i += 1) users.push(await registerUser(world, `u${i}`));
      await rename(world, users[3]!.userId, 'Renamed', 1n);
      await first.catchUp(5000);
      const before = await snapshot(first);
      await first.stop();
      // As if the process died after writing documents but before writing any checkpoint.
      await world.readStore.collection('_checkpoints').deleteMany({});

      const second = runner(world);
      await second.start();
      await second.catchUp(5000);
      expect(second.status().find((s) => s.name === 'me')!.processed).toBeGreaterThan(0);
      expect(await snapshot(second)).toEqual(before);
    });

    it('rebuilds into a new generation while reads go on, and no read ever sees a missing or partial user', async () => {
      const world = await makeWorld();
      const r = runner(world);
      await r.start();
      const ids: string[] = [];
      for (let i = 0; i < 300; i += 1) ids.push((await registerUser(world, `reader${i}`)).userId);
      await r.catchUp(10_000);

      let reads = 0;
      const bad: string[] = [];
      let reading = true;
      const reader = (async () => {
        while (reading) {
          for (const id of ids) {
            const doc = await r.collection('me', 'users').findOne({ _id: id });
            reads += 1;
            if (!doc || typeof doc.username !== 'string' || typeof doc.email !== 'string') bad.push(id);
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const rebuilt = r.rebuild('me');
      expect(r.status().some((s) => s.name === 'me' && s.status === 'rebuilding')).toBe(true);
      const late = await registerUser(world, 'during_rebuild');
      await rebuilt;
      reading = false;
      await reader;

      expect(bad).toEqual([]);
      expect(reads).toBeGreaterThanOrEqual(ids.length);
      expect(r.status().find((s) => s.name === 'me')).toMatchObject({ generation: 2, status: 'live' });
      expect(await r.waitFor(late.position, ['me'], 2000)).toBe(true);
      expect(await r.collection('me', 'users').countDocuments()).toBe(301);
      // The old generation is retired, not dropped: other instances may still read it (test/projections/instances.test.ts).
      // It served until the swap, so it may or may not have applied the registration made meanwhile.
      expect([300, 301]).toContain(await world.readStore.collection('users_g1').countDocuments());
      expect(await world.readStore.collection('_projections').findOne({ _id: 'me' })).toMatchObject({
        generation: 2,
        retired: [{ generation: 1 }],
      });
    });

    it('a rebuild lets other work run between its batches, instead of holding the process until it is done', async () => {
      const world = await makeWorld();
      const r = runner(world);
      await r.start();
      // More than two of the catch-up's batches of events.
      for (let i = 0; (await world.eventStore.headPosition()) < 2500n; i += 1) await registerUser(world, `batch${i}`);
      await r.catchUp(10_000);
      const rebuilt = r.rebuild('me');
      // A request that arrived as the rebuild began: it runs while the new generation is still being built.
      const stillBuilding = await new Promise<boolean>((resolve) =>
        setImmediate(() => resolve(r.status().some((s) => s.name === 'me' && s.status === 'rebuilding'))),
      );
      await rebuilt;
      expect(stillBuilding).toBe(true);
      expect(r.status().find((s) => s.name === 'me')).toMatchObject({ generation: 2, status: 'live' });
    });

    it('across rebuild swaps, a read right after waitFor always sees the newest write', async () => {
      const world = await makeWorld();
      const r = runner(world);
      await r.start();
      for (let i = 0; i < 200; i += 1) await registerUser(world, `bulk${i}`);
      const { userId } = await registerUser(world, 'renamed');
      let revision = 1n;
      const stale: string[] = [];
      for (let swap = 0; swap < 5; swap += 1) {
        const rebuilt = r.rebuild('me');
        for (let i = 0; i < 10; i += 1) {
          const name = `name-${swap}-${i}`;
          const position = await rename(world, userId, name, revision);
          revision += 1n;
          expect(await r.waitFor(position, ['me'], 2000)).toBe(true);
          const seen = (await r.collection('me', 'users').findOne({ _id: userId }))?.display_name;
          if (seen !== name) stale.push(`${name} read as ${String(seen)}`);
          await new Promise((resolve) => setImmediate(resolve));
        }
        await rebuilt;
      }
      expect(stale).toEqual([]);
      expect(r.status().find((s) => s.name === 'me')!.generation).toBe(6);
    });

    it('a read model whose store write fails retries from the same event and never skips one', async () => {
      const world = await makeWorld();
      let failures = 3;
      const flaky: ReadStore = {
        ...world.readStore,
        collection: (name: string) => {
          const collection = world.readStore.collection(name);
          if (!name.startsWith('users')) return collection;
          return {
            ...collection,
            name: collection.name,
            updateOne: async (...args: Parameters<typeof collection.updateOne>) => {
              if (failures > 0) {
                failures -= 1;
                throw new Error('write failed');
              }
              return collection.updateOne(...args);
            },
            findOne: collection.findOne.bind(collection),
            find: collection.find.bind(collection),
            countDocuments: collection.countDocuments.bind(collection),
            updateMany: collection.updateMany.bind(collection),
            deleteOne: collection.deleteOne.bind(collection),
            deleteMany: collection.deleteMany.bind(collection),
            tombstone: collection.tombstone.bind(collection),
            createIndex: collection.createIndex.bind(collection),
            drop: collection.drop.bind(collection),
          };
        },
      } as ReadStore;
      const r = runner(world, flaky);
      await r.start();
      const users = [];
      for (let i = 0; i < 5; i += 1) users.push(await registerUser(world, `f${i}`));
      expect(await r.waitFor(users[4]!.position, ['me'], 10_000)).toBe(true);
      expect(failures).toBe(0);
      for (const u of users) expect(await r.collection('me', 'users').findOne({ _id: u.userId })).not.toBeNull();
    });

    it('a start with a new projection version builds it beside the old one and swaps', async () => {
      const world = await makeWorld();
      const v1 = runner(world);
      await v1.start();
      const { userId } = await registerUser(world, 'versioned');
      await v1.catchUp(5000);
      await v1.stop();

      const v2Definition = { ...meProjection, version: meProjection.version + 1 };
      const v2 = runner(world, world.readStore, [v2Definition]);
      await v2.start();
      for (
        let i = 0;
        i < 100 &&
        (await world.readStore.collection('_projections').findOne({ _id: 'me' }))?.version !== v2Definition.version;
        i += 1
      ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await world.readStore.collection('_projections').findOne({ _id: 'me' })).toMatchObject({
        version: v2Definition.version,
        generation: 2,
      });
      expect(await v2.collection('me', 'users').findOne({ _id: userId })).toMatchObject({ username: 'versioned' });
    });
  });
