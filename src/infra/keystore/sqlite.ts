import { randomBytes } from 'node:crypto';
import type { SqliteDatabase } from '../sqlite/database.js';
import { KeyDestroyedError, type KeyStore } from '../../ports/key-store.js';

/**
 * Keys in the embedded store's file, beside (never inside) the event log. `durable`: when `db` does
 * not fsync its commits itself, waits until what it wrote is on disk (see composition/stores.ts);
 * a destruction is answered only then. A new key needs none: the append that uses it comes after.
 */
export function createSqliteKeyStore(
  db: SqliteDatabase,
  clock: () => Date = () => new Date(),
  options: { durable?: () => Promise<void> } = {},
): KeyStore {
  db.exec(`CREATE TABLE IF NOT EXISTS data_keys (
    subject   TEXT PRIMARY KEY,
    key       BLOB,
    created   TEXT NOT NULL,
    destroyed TEXT
  ) WITHOUT ROWID`);
  const select = db.prepare<[string], { key: Buffer | null; destroyed: string | null }>(
    'SELECT key, destroyed FROM data_keys WHERE subject = ?',
  );
  const selectMany = db.prepare<[string], { subject: string; key: Buffer | null }>(
    'SELECT subject, key FROM data_keys WHERE subject IN (SELECT value FROM json_each(?))',
  );
  const insert = db.prepare<[string, Buffer, string]>(
    'INSERT INTO data_keys (subject, key, created) VALUES (?, ?, ?) ON CONFLICT(subject) DO NOTHING',
  );
  const tombstone = db.prepare<[string, string, string]>(
    `INSERT INTO data_keys (subject, key, created, destroyed) VALUES (?, NULL, ?, ?)
     ON CONFLICT(subject) DO UPDATE SET key = NULL, destroyed = COALESCE(data_keys.destroyed, excluded.destroyed)`,
  );

  return {
    async getOrCreate(subject) {
      // A write (and its commit) only for a subject without a key yet.
      let row = select.get(subject);
      if (!row) {
        insert.run(subject, randomBytes(32), clock().toISOString());
        row = select.get(subject)!;
      }
      if (row.destroyed || !row.key) throw new KeyDestroyedError(subject);
      return row.key;
    },
    async get(subject) {
      const row = select.get(subject);
      return row?.key ?? null;
    },
    async getMany(subjects) {
      const keys = new Map<string, Buffer>();
      if (subjects.length === 0) return keys;
      for (const row of selectMany.all(JSON.stringify(subjects))) if (row.key) keys.set(row.subject, row.key);
      return keys;
    },
    async destroy(subject) {
      const now = clock().toISOString();
      tombstone.run(subject, now, now);
      await options.durable?.();
      // Push the page without the key through the WAL into the main file and truncate the WAL,
      // so the old key bytes do not linger on disk (secure_delete zeroes the freed cells).
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
    async isDestroyed(subject) {
      return Boolean(select.get(subject)?.destroyed);
    },
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {},
  };
}
