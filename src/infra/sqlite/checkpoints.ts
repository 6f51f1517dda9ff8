import type { CheckpointStore } from '../../ports/checkpoint-store.js';
import type { SqliteDatabase } from './database.js';

/** Reactor checkpoints in the embedded store's file, committed at once (the read models' file commits in batches). */
export function createSqliteCheckpoints(db: SqliteDatabase): CheckpointStore {
  db.exec('CREATE TABLE IF NOT EXISTS checkpoints (id TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID');
  // Files from before the event store's identity was recorded gain the column (null: not known).
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(checkpoints)').all();
  if (!columns.some((column) => column.name === 'store')) {
    try {
      db.exec('ALTER TABLE checkpoints ADD COLUMN store TEXT');
    } catch (error) {
      // Another process (the CLI beside the server) added it first.
      if (!/duplicate column name/i.test((error as Error).message)) throw error;
    }
  }
  const select = db.prepare<[string], { position: number; store: string | null }>(
    'SELECT position, store FROM checkpoints WHERE id = ?',
  );
  const upsert = db.prepare<[string, number, string]>(
    'INSERT INTO checkpoints (id, position, store) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET position = excluded.position, store = excluded.store',
  );
  const remove = db.prepare<[string]>('DELETE FROM checkpoints WHERE id = ?');
  return {
    async get(id) {
      const row = select.get(id);
      return row ? { position: BigInt(row.position), store: row.store } : null;
    },
    async set(id, position, store) {
      upsert.run(id, Number(position), store);
    },
    async delete(id) {
      remove.run(id);
    },
  };
}
