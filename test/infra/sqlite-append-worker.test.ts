import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSqliteEventStore } from '../../src/infra/eventstore/sqlite.js';
import { openSqliteDatabase } from '../../src/infra/sqlite/database.js';

/** A store whose appends go through the worker thread, as the service opens it, on a fresh file. */
const open = (script?: URL) => {
  const dir = mkdtempSync(join(tmpdir(), 'append-thread-'));
  const file = join(dir, 'accounts.db');
  const db = openSqliteDatabase(file, { synchronous: 'normal', autoCheckpoint: false });
  const store = createSqliteEventStore(db, undefined, { appendWorker: { synchronous: 'full', script } });
  return {
    dir,
    file,
    store,
    close: async () => {
      await store.close();
      db.close();
    },
  };
};

const event = (n: number) => ({ id: randomUUID(), type: 'Happened', data: { n }, metadata: {} });

describe('SQLite event store: appends in a worker thread', () => {
  it('answers an append only once it is committed: another connection to the file reads it at the position answered', async () => {
    const { file, store, close } = open();
    const reader = new Database(file, { readonly: true });
    const at = reader.prepare<[number], { id: string; stream: string }>(
      'SELECT id, stream FROM events WHERE position = ?',
    );
    try {
      const seen: boolean[] = [];
      await Promise.all(
        Array.from({ length: 300 }, async (_, n) => {
          const appended = event(n);
          const stream = `thing-${n % 30}`;
          const { position } = await store.append(stream, [appended], { expectedRevision: 'any' });
          // Read at once, in the same turn as the answer: a commit still to come would not be there.
          seen.push(at.get(Number(position))?.id === appended.id);
        }),
      );
      expect(seen).toHaveLength(300);
      expect(seen.every(Boolean)).toBe(true);
    } finally {
      reader.close();
      await close();
    }
  });

  it('refuses a conflict with the typed error, its fields rebuilt from the thread', async () => {
    const { store, close } = open();
    try {
      await store.append('thing-1', [event(1)], { expectedRevision: 'no_stream' });
      const refused = await store.append('thing-1', [event(2)], { expectedRevision: 'no_stream' }).catch((e) => e);
      expect(refused).toMatchObject({
        name: 'WrongExpectedVersionError',
        code: 'wrong_expected_version',
        stream: 'thing-1',
        expected: 'no_stream',
        actual: 0n,
      });
    } finally {
      await close();
    }
  });

  it('when the thread fails, the appends waiting for it and every later one fail with an error that says so, and the store is not ready', async () => {
    const { dir, store, close } = open(new URL('../support/failing-append-thread.js', import.meta.url));
    try {
      await store.append('thing-1', [event(1)], { expectedRevision: 'no_stream' });
      expect(await store.headPosition()).toBe(1n);
      writeFileSync(join(dir, 'fail-appends'), '');
      const waiting = await Promise.allSettled(
        [1, 2, 3].map((n) => store.append(`other-${n}`, [event(n)], { expectedRevision: 'any' })),
      );
      for (const outcome of waiting) {
        expect(outcome.status).toBe('rejected');
        expect(String((outcome as PromiseRejectedResult).reason)).toMatch(/append thread failed/);
      }
      await expect(store.append('thing-2', [event(4)], { expectedRevision: 'any' })).rejects.toThrow(
        /append thread failed/,
      );
      await expect(store.headPosition()).rejects.toThrow(/append thread failed/);
      expect((await store.readStream('thing-1')).map((e) => e.data.n)).toEqual([1]);
    } finally {
      await close();
    }
  });
});
