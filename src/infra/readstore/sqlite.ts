/**
 * The embedded read store: the read models in their own SQLite file beside the events, so that
 * they survive a restart or a crash, with a bounded cache of parsed documents in front.
 *
 * Writes go into a transaction that stays open and is committed every COMMIT_EVERY_MS, every
 * COMMIT_EVERY_WRITES writes, and on flush and close. Reads on the same connection see the writes
 * not yet committed. A projection's checkpoint is a document of this store, written after the
 * documents it vouches for, so a crash loses a tail of documents and their checkpoint together, and
 * the projection applies those events again from the checkpoint that was committed. Hence also
 * `synchronous=NORMAL`: what a power cut loses is derived from the events and is re-applied.
 */
import type { Collection, Doc, ReadStore } from '../../ports/read-store.js';
import { Worker } from 'node:worker_threads';
import { openSqliteDatabase, type SqliteDatabase } from '../sqlite/database.js';
import { SqliteCollection } from './sqlite-collection.js';
import type { DocumentCache, SqliteStoreContext } from './sqlite-store-context.js';
import { createIndexTable, INDEX_TABLE } from './sqlite-table.js';

/** The file's name in DATA_DIR. */
export const READ_MODELS_FILE = 'read-models.db';

/**
 * The file of API process `index` (see API_PROCESSES): each process builds and reads its own copy
 * of the read models, so that none waits for another's write lock. Process 1 (or a service that
 * runs alone) has READ_MODELS_FILE.
 */
export const readModelsFile = (index = 1) => (index === 1 ? READ_MODELS_FILE : `read-models.${index}.db`);

const COMMIT_EVERY_MS = 25;
/** A catch-up commits by count, every this many writes. */
const COMMIT_EVERY_WRITES = 10_000;
/**
 * A window with this many writes is a catch-up streaming (it yields between batches, so the timer
 * fires in between): the timer leaves that commit to the count, up to STREAMING_HOLD_MS, instead of
 * committing a few thousand writes at a time, a tenth of a cold start.
 */
const STREAMING_WRITES = 1_000;
/** The longest a streaming catch-up holds the write lock (another process waits up to 5 s for it). */
const STREAMING_HOLD_MS = 1_000;

/** How often the checkpoint thread folds the WAL into the file. */
const CHECKPOINT_EVERY_MS = 1000;

/**
 * The thread that checkpoints the file (sqlite-checkpoint-thread.js). Should it fail, the
 * service's connection checkpoints again by itself (SQLite's default, on the event loop): the WAL
 * never grows without bound.
 */
function startCheckpointThread(db: SqliteDatabase): { close(): Promise<void> } {
  const worker = new Worker(new URL('./sqlite-checkpoint-thread.js', import.meta.url), {
    workerData: { path: db.name, everyMs: CHECKPOINT_EVERY_MS },
  });
  worker.unref();
  let closing = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const fallBack = () => {
    if (!closing && db.open) db.pragma('wal_autocheckpoint = 1000');
  };
  worker.on('error', fallBack);
  worker.on('exit', fallBack);
  return {
    async close() {
      closing = true;
      // Held until the thread has ended: the process may have nothing else left to wait for, and
      // would end in the middle of a close (the CLI's next step never run).
      worker.ref();
      worker.postMessage({ close: true });
      await exited;
    },
  };
}

export interface SqliteReadStore extends ReadStore {
  /** How many parsed documents the cache holds now (never more than its limit). */
  cachedDocuments(): number;
}

/**
 * Opens (or creates) the read models' file; `:memory:` for one that lives as long as the process.
 * `cache` holds the parsed documents kept in memory: its bound, not the number of accounts, is
 * what the read models cost in memory.
 */
export function openSqliteReadStore(
  path: string,
  options: {
    cache: DocumentCache;
    /** Milliseconds, for how long a transaction has been open; tests set it. */
    now?: () => number;
  },
): SqliteReadStore {
  const now = options.now ?? (() => performance.now());
  const inFile = path !== ':memory:';
  const db = openSqliteDatabase(path, { synchronous: 'normal', autoCheckpoint: !inFile });
  const checkpoints = inFile ? startCheckpointThread(db) : null;
  createIndexTable(db);
  const cache = options.cache;
  let timer: NodeJS.Timeout | null = null;
  /** Writes in the open transaction, and in it since the timer was last armed. */
  let writes = 0;
  let windowWrites = 0;
  let openedAt = 0;
  /** Collections holding writes not yet in their tables (see SqliteCollection's `pending`). */
  const dirty = new Set<{ flushPending(): void }>();
  const flushPending = () => {
    for (const collection of dirty) collection.flushPending();
    dirty.clear();
  };

  const commit = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    writes = 0;
    windowWrites = 0;
    flushPending();
    // A failed commit (a full disk) is thrown where it happens, from the timer too: the process
    // ends, and the next start re-applies what was lost from the checkpoints that were committed.
    if (db.inTransaction) db.exec('COMMIT');
  };
  const arm = () => {
    windowWrites = 0;
    timer = setTimeout(onTimer, COMMIT_EVERY_MS);
    timer.unref();
  };
  const onTimer = () => {
    if (windowWrites >= STREAMING_WRITES && now() - openedAt < STREAMING_HOLD_MS) arm();
    else commit();
  };
  const findTable = db.prepare<[string]>("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  const context: SqliteStoreContext = {
    db,
    cache,
    tableExists: (table) => findTable.get(table) !== undefined,
    deferred: (collection) => dirty.add(collection),
    writing(work) {
      if (!db.inTransaction) {
        // IMMEDIATE takes the write lock now: another process on the file (the CLI) waits its turn
        // instead of failing on a lock upgrade.
        db.exec('BEGIN IMMEDIATE');
        openedAt = now();
        arm();
      }
      const result = work();
      writes += 1;
      windowWrites += 1;
      if (writes >= COMMIT_EVERY_WRITES) commit();
      return result;
    },
  };
  const collections = new Map<string, SqliteCollection<Doc>>();

  return {
    durable: true,
    shared: false,
    collection<T extends Doc>(name: string) {
      let collection = collections.get(name);
      if (!collection) collections.set(name, (collection = new SqliteCollection(name, context)));
      return collection as unknown as Collection<T>;
    },
    async listCollections() {
      flushPending();
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'c:%' ORDER BY name")
        .all() as { name: string }[];
      // As in memory: a collection exists while it holds something.
      return tables
        .filter(({ name }) => db.prepare(`SELECT 1 FROM "${name.replaceAll('"', '""')}" LIMIT 1`).get() !== undefined)
        .map(({ name }) => name.slice(2));
    },
    async flush() {
      commit();
    },
    async ping() {
      db.prepare(`SELECT 1 FROM ${INDEX_TABLE} LIMIT 1`).get();
    },
    async close() {
      if (!db.open) return;
      commit();
      await checkpoints?.close();
      db.close();
    },
    cachedDocuments: () => cache.size,
  };
}
