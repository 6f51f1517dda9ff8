import type { SqliteDatabase } from '../sqlite/database.js';
import {
  WrongExpectedVersionError,
  type AllFilter,
  type AppendResult,
  type EventHandler,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeAllOptions,
  type Subscription,
} from '../../ports/event-store.js';

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
`;

const SUBSCRIPTION_BATCH = 500;
/** Another process (the CLI) may append to the same file; live subscribers poll at this pace too. */
const POLL_MS = 1000;

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

/** The embedded event store: one SQLite table, EventStoreDB's semantics. */
export function createSqliteEventStore(db: SqliteDatabase, clock: () => Date = () => new Date()): EventStore {
  db.exec(SCHEMA);
  db.defaultSafeIntegers(false);

  const currentRevision = db.prepare<[string], { revision: number }>('SELECT revision FROM streams WHERE name = ?');
  const upsertRevision = db.prepare<[string, number]>(
    'INSERT INTO streams (name, revision) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET revision = excluded.revision',
  );
  const insertEvent = db.prepare<[string, string, number, string, string, string, string]>(
    'INSERT INTO events (id, stream, revision, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const findById = db.prepare<[string, string], { revision: number; position: number }>(
    'SELECT revision, position FROM events WHERE stream = ? AND id = ? ORDER BY revision LIMIT 1',
  );
  const eventAt = db.prepare<[string, number], { id: string; position: number }>(
    'SELECT id, position FROM events WHERE stream = ? AND revision = ?',
  );
  const head = db.prepare<[], { position: number | null }>('SELECT MAX(position) AS position FROM events');

  let appendSequence = 0;
  const wakers = new Set<() => void>();
  const notify = () => {
    appendSequence += 1;
    for (const wake of [...wakers]) wake();
  };

  /**
   * EventStoreDB's idempotence: the same event ids appended again, at the place the expected
   * revision names (or anywhere under `any`/`stream_exists`), succeed again without writing. A
   * partial match is a conflict, never a second copy.
   */
  const alreadyAppended = (stream: string, events: NewEvent[], expected: ExpectedRevision): AppendResult | null => {
    const first = findById.get(stream, events[0]!.id);
    if (!first) return null;
    const placed =
      expected === 'any' || expected === 'stream_exists' ||
      (expected === 'no_stream' && first.revision === 0) ||
      (typeof expected === 'bigint' && expected === BigInt(first.revision - 1));
    let last: { position: number } | undefined;
    for (let i = 0; i < events.length; i += 1) {
      const row = eventAt.get(stream, first.revision + i);
      if (!row || row.id !== events[i]!.id) {
        throw new WrongExpectedVersionError(stream, expected, BigInt(currentRevision.get(stream)!.revision));
      }
      last = row;
    }
    if (!placed) throw new WrongExpectedVersionError(stream, expected, BigInt(currentRevision.get(stream)!.revision));
    return { nextRevision: BigInt(first.revision + events.length - 1), position: BigInt(last!.position) };
  };

  const appendTransaction = db.transaction(
    (stream: string, events: NewEvent[], expected: ExpectedRevision): AppendResult & { written?: RecordedEvent[] } => {
      const repeated = alreadyAppended(stream, events, expected);
      if (repeated) return repeated;
      const current = currentRevision.get(stream)?.revision;
      const actual = current === undefined ? 'no_stream' : BigInt(current);
      const ok =
        expected === 'any' ||
        (expected === 'no_stream' && current === undefined) ||
        (expected === 'stream_exists' && current !== undefined) ||
        (typeof expected === 'bigint' && current !== undefined && BigInt(current) === expected);
      if (!ok) throw new WrongExpectedVersionError(stream, expected, actual);
      let revision = current === undefined ? -1 : current;
      let position = 0;
      const createdAt = clock();
      const created = createdAt.toISOString();
      const written: RecordedEvent[] = [];
      for (const event of events) {
        revision += 1;
        const data = JSON.stringify(event.data);
        const metadata = JSON.stringify(event.metadata);
        const info = insertEvent.run(event.id, stream, revision, event.type, data, metadata, created);
        position = Number(info.lastInsertRowid);
        // As a reader would get it back (parsed from what was stored), for the recent-events tail.
        written.push({
          id: event.id, type: event.type, data: JSON.parse(data) as Record<string, unknown>, metadata: JSON.parse(metadata) as Record<string, unknown>,
          streamId: stream, revision: BigInt(revision), position: BigInt(position), created: new Date(createdAt.getTime()),
        });
      }
      upsertRevision.run(stream, revision);
      return { nextRevision: BigInt(revision), position: BigInt(position), written };
    },
  );

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
   * The newest events this process appended, as readers get them, in position order. Every
   * subscription (each projection and reactor) reads every event just after its append: they take
   * it from here instead of each reading and parsing the same rows again. Only a run of
   * consecutive positions right after the reader's is served; a gap (another process appended,
   * the CLI say) or anything older goes to SQLite. Events another process appends after the
   * tail's end reach a subscription at its next poll (POLL_MS), as they always did.
   */
  const tail: RecordedEvent[] = [];
  const TAIL_LIMIT = 4096;
  const remember = (written: RecordedEvent[]) => {
    for (const event of written) tail.push(event);
    if (tail.length > TAIL_LIMIT) tail.splice(0, tail.length - TAIL_LIMIT);
  };
  const fromTail = (from: bigint, maxCount: number): RecordedEvent[] | null => {
    if (tail.length === 0 || from < tail[0]!.position - 1n || from >= tail[tail.length - 1]!.position) return null;
    let low = 0;
    let high = tail.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (tail[middle]!.position <= from) low = middle + 1;
      else high = middle;
    }
    if (tail[low]!.position !== from + 1n) return null;
    const served: RecordedEvent[] = [tail[low]!];
    for (let i = low + 1; i < tail.length && served.length < maxCount && tail[i]!.position === tail[i - 1]!.position + 1n; i += 1) served.push(tail[i]!);
    return served;
  };

  /**
   * Full batches read lately, by where they start: the read models catching up at start-up (or a
   * rebuild beside the live ones) read the same batches one after another, and parse them once.
   * A full batch is final: every position it spans is committed and in it.
   */
  const batches = new Map<string, RecordedEvent[]>();
  const BATCHES_KEPT = 32;

  /**
   * `fromTail` only for the subscriptions' own loop: it may answer a short run while another
   * process has appended beyond it (a subscription polls again; a caller of readAll must get
   * everything up to its maxCount).
   */
  const readAllSync = (options: ReadAllOptions = {}, useTail = false): RecordedEvent[] => {
    const from = options.fromPosition ?? 0n;
    const batchKey = !options.filter && options.maxCount !== undefined ? `${from}:${options.maxCount}` : null;
    if (!options.filter) {
      const served = useTail && options.maxCount !== undefined && options.maxCount > 0 ? fromTail(from, options.maxCount) : null;
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

  const subscribeAll = (options: SubscribeAllOptions, handler: EventHandler): Subscription => {
    let stopped = false;
    let wake: (() => void) | null = null;
    let last = options.fromPosition ?? 0n;
    const sleep = () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, POLL_MS);
        function done() {
          clearTimeout(timer);
          wakers.delete(done);
          wake = null;
          resolve();
        }
        wake = done;
        wakers.add(done);
      });
    const loop = async () => {
      while (!stopped) {
        const seen = appendSequence;
        const batch = readAllSync({ fromPosition: last, filter: options.filter, maxCount: SUBSCRIPTION_BATCH }, true);
        for (const event of batch) {
          if (stopped) return;
          // A handler with nothing to do for an event answers at once: no promise to wait for.
          const pending = handler(event);
          if (pending) await pending;
          last = event.position;
        }
        // Sleep only when nothing was appended since the read began: no wake-up is ever missed.
        if (batch.length < SUBSCRIPTION_BATCH && seen === appendSequence && !stopped) await sleep();
      }
    };
    const done = loop();
    return {
      done,
      async stop() {
        stopped = true;
        (wake as (() => void) | null)?.();
        await done.catch(() => undefined);
      },
    };
  };

  /**
   * Group commit: the appends that arrive in the same turn of the event loop are written in one
   * transaction (one fsync), each in a savepoint of its own, so a stream's revision check refuses
   * only that append and the others commit. None is answered before the commit is on disk.
   */
  let waiting: { stream: string; events: NewEvent[]; expected: ExpectedRevision; resolve: (result: AppendResult) => void; reject: (error: unknown) => void }[] = [];
  const commitWaiting = () => {
    const batch = waiting;
    waiting = [];
    let outcomes: ({ result: AppendResult & { written?: RecordedEvent[] } } | { error: unknown })[];
    try {
      outcomes = db.transaction(() =>
        batch.map((job) => {
          try {
            return { result: appendTransaction(job.stream, job.events, job.expected) };
          } catch (error) {
            return { error };
          }
        }),
      ).immediate();
    } catch (error) {
      for (const job of batch) job.reject(error);
      return;
    }
    for (const outcome of outcomes) if ('result' in outcome && outcome.result.written) remember(outcome.result.written);
    notify();
    outcomes.forEach((outcome, i) => {
      if ('error' in outcome) return batch[i]!.reject(outcome.error);
      const { nextRevision, position } = outcome.result;
      batch[i]!.resolve({ nextRevision, position });
    });
  };

  return {
    append(stream, events, { expectedRevision }) {
      if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
      return new Promise<AppendResult>((resolve, reject) => {
        if (waiting.push({ stream, events, expected: expectedRevision, resolve, reject }) === 1) setImmediate(commitWaiting);
      });
    },
    async readStream(stream: string, options: ReadStreamOptions = {}) {
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
    subscribeAll,
    async headPosition() {
      return BigInt(head.get()?.position ?? 0);
    },
    async close() {
      for (const wake of [...wakers]) wake();
    },
  };
}
