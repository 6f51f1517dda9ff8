import type { CheckpointStore } from '../../ports/checkpoint-store.js';
import type { SqliteDatabase } from './database.js';

/** Reactor checkpoints in the embedded store's file: they survive restarts, unlike the in-memory read models. */
export function createSqliteCheckpoints(db: SqliteDatabase): CheckpointStore {
  db.exec('CREATE TABLE IF NOT EXISTS checkpoints (id TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID');
  const select = db.prepare<[string], { position: number }>('SELECT position FROM checkpoints WHERE id = ?');
  const upsert = db.prepare<[string, number]>(
    'INSERT INTO checkpoints (id, position) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET position = excluded.position',
  );
  const remove = db.prepare<[string]>('DELETE FROM checkpoints WHERE id = ?');
  return {
    async get(id) {
      const row = select.get(id);
      return row ? BigInt(row.position) : null;
    },
    async set(id, position) {
      upsert.run(id, Number(position));
    },
    async delete(id) {
      remove.run(id);
    },
  };
}
