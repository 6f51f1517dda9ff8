import type { UsageStore } from '../../ports/usage-store.js';
import type { SqliteDatabase } from './database.js';

/** Last uses of credentials in the embedded store's file, so they survive a restart. */
export function createSqliteUsageStore(db: SqliteDatabase): UsageStore {
  db.exec(
    'CREATE TABLE IF NOT EXISTS credential_usage (id TEXT PRIMARY KEY, last_used_at TEXT NOT NULL) WITHOUT ROWID',
  );
  const upsert = db.prepare<[string, string]>(
    'INSERT INTO credential_usage (id, last_used_at) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET last_used_at = MAX(last_used_at, excluded.last_used_at)',
  );
  const select = db.prepare<[string], { last_used_at: string }>(
    'SELECT last_used_at FROM credential_usage WHERE id = ?',
  );
  const recordAll = db.transaction((entries: [string, string][]) => {
    for (const [id, at] of entries) upsert.run(id, at);
  });
  return {
    async lastUsed(ids) {
      const out = new Map<string, string>();
      for (const id of ids) {
        const row = select.get(id);
        if (row) out.set(id, row.last_used_at);
      }
      return out;
    },
    async record(entries) {
      recordAll(entries);
    },
  };
}
