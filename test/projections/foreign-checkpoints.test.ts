import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { projections } from '../../projections/index.js';
import { createEventCodec, type EventCodec } from '../../src/events/codec.js';
import { createSqliteEventStore } from '../../src/infra/eventstore/sqlite.js';
import { createSqliteKeyStore } from '../../src/infra/keystore/sqlite.js';
import { createMemoryReadStore } from '../../src/infra/readstore/memory.js';
import { createSqliteCheckpoints } from '../../src/infra/sqlite/checkpoints.js';
import { openSqliteDatabase } from '../../src/infra/sqlite/database.js';
import type { EventStore } from '../../src/ports/event-store.js';
import type { ReadStore } from '../../src/ports/read-store.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { Reactor } from '../../src/reactors/reactor.js';
import { ForeignCheckpointError } from '../../src/subscriptions/checkpointed.js';
import { call, register, startServer } from '../support/server.js';
import { registrationEvents } from '../support/user-events.js';

/*
 * #23 point 2: a position means something only to the store that handed it out. Checkpoints
 * record the store; a read model built against another store starts over, a reactor refuses to
 * start until the operator says where it resumes.
 */

const logger = pino({ level: 'silent' });
const dir = () => mkdtempSync(join(tmpdir(), 'foreign-'));

function openStore(file = join(dir(), 'a.db')) {
  const db = openSqliteDatabase(file);
  return { db, file, eventStore: createSqliteEventStore(db), codec: createEventCodec(createSqliteKeyStore(db)) };
}

async function registerUser(store: { eventStore: EventStore; codec: EventCodec }, name: string) {
  const userId = randomUUID();
  const events = registrationEvents(userId, name);

  const stream = `user-${userId}`;
  const context = { commandId: randomUUID(), correlationId: randomUUID(), actor: null, ip: null, userAgent: null };
  await store.eventStore.append(stream, await store.codec.encode(stream, events, context, 0n), {
    expectedRevision: 'no_stream',
  });
  return userId;
}

const runnerOver = (store: ReturnType<typeof openStore>, readStore: ReadStore) =>
  new ProjectionRunner({ eventStore: store.eventStore, readStore, codec: store.codec, logger }, projections);

describe('checkpoints know their event store', () => {
  it('an event store keeps one identity for its life, and another file is another store', async () => {
    const first = openStore();
    const identity = await first.eventStore.identity();
    expect(identity).toMatch(/^sqlite:[0-9a-f-]{36}$/);
    first.db.close();
    expect(await openStore(first.file).eventStore.identity()).toBe(identity);
    expect(await openStore().eventStore.identity()).not.toBe(identity);
  });

  it('a read model built against another store starts over from this one: nothing of the old store is served', async () => {
    const readStore = createMemoryReadStore();
    const old = openStore();
    const ada = await registerUser(old, 'ada');
    const before = runnerOver(old, readStore);
    await before.start();
    await before.catchUp();
    expect(await before.collection('me', 'users').findOne({ _id: ada })).not.toBeNull();
    await before.stop();

    // The same read store, now fed by another event store (as when EVENTSTORE_URL changes).
    const now = openStore();
    const bob = await registerUser(now, 'bob');
    const after = runnerOver(now, readStore);
    await after.start();
    await after.catchUp();
    const users = after.collection('me', 'users');
    expect(await users.findOne({ _id: ada })).toBeNull();
    expect(await users.findOne({ _id: bob })).toMatchObject({ username: 'bob' });
    await after.stop();
  });

  it('on a shared read store a read model refuses a checkpoint of another store, and drops nothing', async () => {
    const shared: ReadStore = Object.assign(createMemoryReadStore(), { durable: true, shared: true });
    const old = openStore();
    const ada = await registerUser(old, 'ada');
    const before = runnerOver(old, shared);
    await before.start();
    await before.catchUp();
    await before.stop();

    const misconfigured = runnerOver(openStore(), shared);
    await expect(misconfigured.start()).rejects.toThrow(/point MONGO_URL at a new, empty database/);
    await misconfigured.stop();
    const again = runnerOver(old, shared);
    await again.start();
    expect(await again.collection('me', 'users').findOne({ _id: ada })).toMatchObject({ username: 'ada' });
    await again.stop();
  });

  it('a reactor refuses a checkpoint of another store, and takes one written before stores were recorded', async () => {
    const store = openStore();
    await registerUser(store, 'cy');
    const checkpoints = createSqliteCheckpoints(store.db);
    const reacted: string[] = [];
    const reactor = () =>
      new Reactor(
        { eventStore: store.eventStore, checkpoints, codec: store.codec, logger },
        { name: 'test', handles: ['UserRegistered'], react: async (event) => void reacted.push(event.type) },
      );

    await checkpoints.set('reactor:test', 1n, 'eventstoredb:another-cluster');
    const refused = reactor();
    await expect(refused.start()).rejects.toBeInstanceOf(ForeignCheckpointError);
    await expect(reactor().start()).rejects.toThrow(/recorded against the event store eventstoredb:another-cluster/);
    expect(reacted).toEqual([]);

    // A checkpoint from before this change carries no store: it is this store's, and is kept.
    store.db.prepare("UPDATE checkpoints SET position = 1, store = NULL WHERE id = 'reactor:test'").run();
    const adopted = reactor();
    await adopted.start();
    const head = await store.eventStore.headPosition();
    await expect.poll(() => adopted.position).toBe(head);
    expect(reacted).toEqual([]);
    await adopted.stop();
  });

  it('the service will not start its reactors on another store until `reactors resume-at-head` says so', async () => {
    const dataDir = dir();
    const server = await startServer({}, { dataDir });
    await register(server);
    await server.close();

    // As if the events had come from another store: the reactors' checkpoints name it.
    const db = openSqliteDatabase(join(dataDir, 'accounts.db'));
    for (const id of ['reactor:erasure', 'reactor:jobs'])
      db.prepare('INSERT OR REPLACE INTO checkpoints (id, position, store) VALUES (?, 1, ?)').run(
        id,
        'eventstoredb:elsewhere',
      );
    db.close();
    await expect(startServer({}, { dataDir })).rejects.toThrow(/reactors resume-at-head/);

    const resume = (...flags: string[]) =>
      spawnSync(process.execPath, ['dist/src/cli.js', 'reactors', 'resume-at-head', ...flags], {
        env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
        encoding: 'utf8',
        timeout: 60_000,
      });
    // Without --yes it only says what it would do.
    const asked = resume();
    expect(asked.status).toBe(1);
    expect(asked.stdout).toContain('Nothing changed');
    await expect(startServer({}, { dataDir })).rejects.toThrow(/reactors resume-at-head --yes/);
    const cli = resume('--yes');
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('reactor:erasure');
    expect(cli.stdout).toContain('eventstoredb:elsewhere');

    const again = await startServer({}, { dataDir });
    expect((await call(again, 'GET', '/readyz')).status).toBe(200);
    await again.close();
  });
});
