import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type SqliteDatabase = Database.Database;

/**
 * Opens the embedded store's file. WAL with synchronous=FULL (the default): a transaction that
 * returned is on disk, so neither a `kill -9` nor a power cut loses an acknowledged write.
 * `normal` skips the fsync per commit: a crashed process still loses nothing (the WAL is in the
 * operating system's hands), a power cut or kernel panic may lose the last commits. secure_delete
 * zeroes freed content, which matters for destroyed data keys. `autoCheckpoint: false` leaves the
 * folding of the WAL into the file (and its fsyncs) to another connection: the append worker's.
 */
export function openSqliteDatabase(
  path: string,
  options: { synchronous?: 'full' | 'normal'; autoCheckpoint?: boolean } = {},
): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('secure_delete = ON');
  db.pragma('busy_timeout = 5000');
  if (options.autoCheckpoint === false) db.pragma('wal_autocheckpoint = 0');
  return db;
}

/**
 * A consistent copy of the embedded store's file while the service runs (SQLite's online backup:
 * pages are copied in steps, and a write in between restarts the copy of what changed).
 */
export async function backupSqliteFile(path: string, destination: string): Promise<{ totalPages: number }> {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const result = await db.backup(destination);
    return { totalPages: result.totalPages };
  } finally {
    db.close();
  }
}
