import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase } from '../../src/infra/sqlite/database.js';
import { createSqliteEventStore } from '../../src/infra/eventstore/sqlite.js';
import { openEsdbEventStore } from '../../src/infra/eventstore/esdb.js';
import { eventStoreContract } from './event-store.contract.js';

eventStoreContract('SQLite', async () => {
  const db = openSqliteDatabase(join(mkdtempSync(join(tmpdir(), 'es-')), 'events.db'));
  const store = createSqliteEventStore(db);
  const close = store.close;
  return {
    ...store,
    close: async () => {
      await close();
      db.close();
    },
  };
});

eventStoreContract('SQLite, appends in a worker thread', async () => {
  const db = openSqliteDatabase(join(mkdtempSync(join(tmpdir(), 'es-')), 'events.db'), {
    synchronous: 'normal',
    autoCheckpoint: false,
  });
  const store = createSqliteEventStore(db, undefined, { appendWorker: { synchronous: 'full' } });
  const close = store.close;
  return {
    ...store,
    close: async () => {
      await close();
      db.close();
    },
  };
});

const esdbUrl = process.env.EVENTSTORE_URL;
if (esdbUrl) eventStoreContract('EventStoreDB', () => openEsdbEventStore(esdbUrl));
else console.warn('EVENTSTORE_URL is not set: the EventStoreDB run of the event store contract is not run.');

describe('SQLite event store: two processes on one file (the CLI beside the service)', () => {
  it("a subscriber sees every event once and in order, its own process's (served from memory) and the other's (read from the file)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'es-')), 'events.db');
    const [dbA, dbB] = [openSqliteDatabase(file), openSqliteDatabase(file)];
    const [a, b] = [createSqliteEventStore(dbA), createSqliteEventStore(dbB)];
    const seen: string[] = [];
    const subscription = a.subscribeAll({}, (e) => {
      seen.push(`${e.position}:${String(e.data.n)}:${e.streamId}`);
    });
    const put = (store: typeof a, stream: string, n: number) =>
      store.append(stream, [{ id: randomUUID(), type: 'Happened', data: { n }, metadata: {} }], {
        expectedRevision: 'any',
      });
    await put(a, 'mine-1', 1);
    await put(b, 'theirs-1', 2); // a position the subscriber's process never appended
    await put(a, 'mine-1', 3);
    await put(a, 'mine-2', 4);
    await put(b, 'theirs-1', 5);
    await put(a, 'mine-1', 6);
    await vi.waitFor(() => expect(seen).toHaveLength(6), { timeout: 5000 });
    expect(seen).toEqual(['1:1:mine-1', '2:2:theirs-1', '3:3:mine-1', '4:4:mine-2', '5:5:theirs-1', '6:6:mine-1']);
    // readAll answers everything up to its maxCount, whoever appended it, and nothing for maxCount 0.
    await put(b, 'theirs-1', 7);
    expect((await a.readAll({ fromPosition: 5n, maxCount: 10 })).map((e) => Number(e.data.n))).toEqual([6, 7]);
    expect(await a.readAll({ fromPosition: 0n, maxCount: 0 })).toEqual([]);
    await subscription.stop();
    await a.close();
    await b.close();
    dbA.close();
    dbB.close();
  });
});
