/** createSqliteEventStore: the events table and its reads, put together with the append, the recent-events tail and the subscriptions. */
import { randomUUID } from 'node:crypto';
import type { SqliteDatabase } from '../sqlite/database.js';
import type {
  AllFilter,
  EventStore,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
} from '../../ports/event-store.js';
import { commitOnConnection, createAppend } from './sqlite-append.js';
import { startAppendWorker, type AppendWorkerOptions } from './sqlite-append-worker.js';
import { AppendSignal, subscribeAll } from './sqlite-subscription.js';
import { RecentEvents } from './sqlite-tail.js';

interface EventRow {
  position: number | bigint;
  id: string;
  stream: string;
  revision: number | bigint;
  type: string;
  data: string;
  metadata: string;
  created: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position INTEGER PRIMARY KEY AUTOINCREMENT,
  id       TEXT NOT NULL,
  stream   TEXT NOT NULL,
  revision INTEGER NOT NULL,
  type     TEXT NOT NULL,
  data     TEXT NOT NULL,
  metadata TEXT NOT NULL,
  created  TEXT NOT NULL,
  UNIQUE (stream, revision)
);
CREATE INDEX IF NOT EXISTS events_id ON events (id);
CREATE TABLE IF NOT EXISTS streams (
  name     TEXT PRIMARY KEY,
  revision INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS store_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`;

const toRecorded = (row: EventRow): RecordedEvent => ({
  id: row.id,
  type: row.type,
  data: JSON.parse(row.data) as Record<string, unknown>,
  metadata: JSON.parse(row.metadata) as Record<string, unknown>,
  streamId: row.stream,
  revision: BigInt(row.revision),
  position: BigInt(row.position),
  created: new Date(row.created),
});

/** The SQLite event store, and its barrier for the other writers on the file (see createAppend). */
export type SqliteEventStore = EventStore & { durable(): Promise<void> };

/**
 * The embedded event store: one SQLite table, EventStoreDB's semantics. With `appendWorker`, the
 * appends are written by a worker thread on a connection of its own (its commits' fsyncs off the
 * event loop); reads stay on `db`. Without it (an in-memory file, tests), on `db`.
 */
export function createSqliteEventStore(
  db: SqliteDatabase,
  clock: () => Date = () => new Date(),
  options: {
    appendWorker?: Omit<AppendWorkerOptions, 'path'>;
    /** Other processes append to the file (API_PROCESSES): its head is looked at this often. */
    watchOtherWritersMs?: number;
  } = {},
): SqliteEventStore {
  db.exec(SCHEMA);
  db.defaultSafeIntegers(false);
  // Made once with the file: a copy of the file (a backup) is the same store, another file is not.
  db.prepare("INSERT OR IGNORE INTO store_meta (key, value) VALUES ('identity', ?)").run(randomUUID());
  const identity = `sqlite:${db.prepare<[], { value: string }>("SELECT value FROM store_meta WHERE key = 'identity'").get()!.value}`;

  const head = db.prepare<[], { position: number | null }>('SELECT MAX(position) AS position FROM events');
  const tail = new RecentEvents();
  const signal = new AppendSignal();
  const worker = options.appendWorker ? startAppendWorker({ ...options.appendWorker, path: db.name }) : null;
  const { append, durable, settled } = createAppend(
    worker ? worker.commit : commitOnConnection(db),
    clock,
    (written) => {
      for (const events of written) tail.remember(events);
      signal.notify();
    },
  );

  // Another process's append wakes this one's subscriptions at the next look, not at their poll: a
  // MAX of the primary key costs microseconds. What this process appended is already counted.
  let seenHead = 0;
  const watcher = options.watchOtherWritersMs
    ? setInterval(() => {
        const now = head.get()?.position ?? 0;
        if (now > seenHead) {
          seenHead = now;
          signal.notify();
        }
      }, options.watchOtherWritersMs)
    : null;
  watcher?.unref();

  const filterSql = (filter: AllFilter | undefined, params: unknown[]): string => {
    let sql = '';
    if (filter?.streamPrefixes?.length) {
      sql += ` AND (${filter.streamPrefixes.map(() => 'substr(stream, 1, ?) = ?').join(' OR ')})`;
      for (const prefix of filter.streamPrefixes) params.push(prefix.length, prefix);
    }
    if (filter?.eventTypes?.length) {
      sql += ` AND type IN (${filter.eventTypes.map(() => '?').join(', ')})`;
      params.push(...filter.eventTypes);
    }
    return sql;
  };

  /** Statements by their SQL: the reads build a handful of shapes, each prepared once. */
  const statements = new Map<string, { all(...params: unknown[]): unknown[] }>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      if (statements.size >= 200) statements.clear();
      statements.set(sql, (statement = db.prepare<unknown[]>(sql)));
    }
    return statement;
  };

  /**
   * Full batches read lately, by where they start: the read models catching up at start-up (or a
   * rebuild beside the live ones) read the same batches one after another, and parse them once.
   * A full batch is final: every position it spans is committed and in it.
   */
  const batches = new Map<string, RecordedEvent[]>();
  const BATCHES_KEPT = 32;

  /**
   * The recent-events tail only for the subscriptions' own loop: it may answer a short run while
   * another process has appended beyond it (a subscription polls again; a caller of readAll must
   * get everything up to its maxCount).
   */
  const readAllSync = (options: ReadAllOptions = {}, useTail = false): RecordedEvent[] => {
    const from = options.fromPosition ?? 0n;
    const batchKey = !options.filter && options.maxCount !== undefined ? `${from}:${options.maxCount}` : null;
    if (!options.filter) {
      const served =
        useTail && options.maxCount !== undefined && options.maxCount > 0 ? tail.after(from, options.maxCount) : null;
      if (served) return served;
      const cached = batchKey === null ? undefined : batches.get(batchKey);
      if (cached) return cached;
    }
    const params: unknown[] = [Number(from)];
    let sql = `SELECT * FROM events WHERE position > ?${filterSql(options.filter, params)} ORDER BY position`;
    if (options.maxCount !== undefined) {
      sql += ' LIMIT ?';
      params.push(options.maxCount);
    }
    const events = (prepared(sql).all(...params) as EventRow[]).map(toRecorded);
    if (batchKey !== null && events.length === options.maxCount) {
      if (batches.size >= BATCHES_KEPT) batches.delete(batches.keys().next().value!);
      batches.set(batchKey, events);
    }
    return events;
  };

  return {
    append,
    durable,
    identity: async () => identity,
    async readStream(stream: string, options: ReadStreamOptions = {}) {
      await settled(stream);
      const backwards = options.direction === 'backwards';
      const params: unknown[] = [stream];
      let sql = 'SELECT * FROM events WHERE stream = ?';
      if (options.fromRevision !== undefined) {
        sql += backwards ? ' AND revision <= ?' : ' AND revision >= ?';
        params.push(Number(options.fromRevision));
      }
      sql += backwards ? ' ORDER BY revision DESC' : ' ORDER BY revision';
      if (options.maxCount !== undefined) {
        sql += ' LIMIT ?';
        params.push(options.maxCount);
      }
      return (prepared(sql).all(...params) as EventRow[]).map(toRecorded);
    },
    async readAll(options) {
      return readAllSync(options);
    },
    subscribeAll: (options, handler) =>
      subscribeAll(signal, (readOptions) => readAllSync(readOptions, true), options, handler),
    async headPosition() {
      // A store that cannot append is not one to be ready with: the readiness probe asks this.
      const failure = worker?.failure();
      if (failure) throw failure;
      return BigInt(head.get()?.position ?? 0);
    },
    async close() {
      if (watcher) clearInterval(watcher);
      signal.wakeAll();
      if (!worker) return;
      // The appends already made are answered first (a barrier waits behind them), then the thread ends.
      await durable().catch(() => undefined);
      await worker.close();
    },
  };
}
