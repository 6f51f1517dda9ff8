/**
 * Appending to the SQLite event store: group commit on the caller's side. The writing itself
 * (revision checks, idempotence, the transaction) is sqlite-append-batch.js, run either here on the
 * store's own connection or in the append worker thread (sqlite-append-worker.ts).
 */
import type { SqliteDatabase } from '../sqlite/database.js';
import {
  WrongExpectedVersionError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type RecordedEvent,
} from '../../ports/event-store.js';
import { createBatchWriter } from './sqlite-append-batch.js';

/** One append as the batch writer takes it: data and metadata already JSON text. */
export interface AppendJob {
  stream: string;
  events: { id: string; type: string; data: string; metadata: string }[];
  expected: ExpectedRevision;
  created: string;
}

/** What became of one append of a batch, in the batch's order. */
export type AppendOutcome =
  | {
      ok: {
        nextRevision: bigint;
        position: bigint;
        /** Revision and position of each event written; null for a repeat, which writes nothing. */
        written: { revision: bigint; position: bigint }[] | null;
      };
    }
  | { conflict: { stream: string; expected: ExpectedRevision; actual: bigint | 'no_stream' } }
  | { failed: { message: string } };

/**
 * Writes a batch in one transaction and answers once it has committed (with the configured
 * synchronous: on disk at FULL). `mark`: write even if no append does (a barrier). Rejects when the
 * transaction failed as a whole: then none of its appends was written.
 */
export type CommitBatch = (jobs: AppendJob[], mark: boolean) => Promise<AppendOutcome[]>;

/** The batch writer on the store's own connection, for stores that keep no worker (an in-memory file, tests). */
export const commitOnConnection = (db: SqliteDatabase): CommitBatch => {
  const write = createBatchWriter(db) as (jobs: AppendJob[], mark: boolean) => AppendOutcome[];
  return async (jobs, mark) => write(jobs, mark);
};

interface Waiting {
  job: AppendJob;
  /** The events as a reader gets them back (parsed from what is stored), for the recent-events tail. */
  parsed: { id: string; type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }[];
  createdAt: Date;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/**
 * The store's append, and `durable`: a promise that every write this process made on the file
 * before the call is on disk (an empty commit of the appender's connection, joined to the next
 * batch; its fsync of the log covers the frames written before it, whichever connection wrote
 * them). `committed` is told of every commit, with the events its appends wrote (a repeat writes
 * none), before any of them is answered.
 *
 * Group commit: one batch is being written at a time; the appends that arrive meanwhile wait and
 * go together in the next one (one transaction, one fsync). None is answered before its commit.
 */
export function createAppend(
  commitBatch: CommitBatch,
  clock: () => Date,
  committed: (written: RecordedEvent[][]) => void,
): { append: EventStore['append']; durable: () => Promise<void>; settled: (stream: string) => Promise<void> } {
  let waiting: Waiting[] = [];
  /** The last append to each stream not answered yet (batches are answered in order, so the earlier ones too). */
  const lastPending = new Map<string, Promise<AppendResult>>();
  let barriers: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  let writing = false;
  let scheduled = false;

  const answer = (batch: Waiting[], outcomes: AppendOutcome[]) => {
    const written: RecordedEvent[][] = [];
    for (const [i, outcome] of outcomes.entries()) {
      if (!('ok' in outcome) || !outcome.ok.written) continue;
      const { job, parsed, createdAt } = batch[i]!;
      written.push(
        outcome.ok.written.map(({ revision, position }, n) => ({
          ...parsed[n]!,
          streamId: job.stream,
          revision,
          position,
          created: new Date(createdAt.getTime()),
        })),
      );
    }
    committed(written);
    for (const [i, outcome] of outcomes.entries()) {
      const { resolve, reject } = batch[i]!;
      if ('ok' in outcome) resolve({ nextRevision: outcome.ok.nextRevision, position: outcome.ok.position });
      else if ('conflict' in outcome) {
        const { stream, expected, actual } = outcome.conflict;
        reject(new WrongExpectedVersionError(stream, expected, actual));
      } else reject(new Error(outcome.failed.message));
    }
  };

  const writeNext = () => {
    scheduled = false;
    if (writing || (waiting.length === 0 && barriers.length === 0)) return;
    const batch = waiting;
    const marks = barriers;
    waiting = [];
    barriers = [];
    writing = true;
    commitBatch(
      batch.map((w) => w.job),
      marks.length > 0,
    )
      .then(
        (outcomes) => {
          answer(batch, outcomes);
          for (const mark of marks) mark.resolve();
        },
        (error: unknown) => {
          for (const w of batch) w.reject(error);
          for (const mark of marks) mark.reject(error);
        },
      )
      .finally(() => {
        writing = false;
        writeNext();
      });
  };

  /** Waits for the rest of this turn of the event loop, so that its appends share the batch. */
  const schedule = () => {
    if (scheduled || writing) return;
    scheduled = true;
    setImmediate(writeNext);
  };

  const append: EventStore['append'] = (stream, events, { expectedRevision }) => {
    if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
    // In the executor: data that cannot be JSON text rejects this append alone.
    const appended = new Promise<AppendResult>((resolve, reject) => {
      const createdAt = clock();
      const stored = events.map((e) => ({
        id: e.id,
        type: e.type,
        data: JSON.stringify(e.data),
        metadata: JSON.stringify(e.metadata),
      }));
      const parsed = stored.map((e) => ({
        id: e.id,
        type: e.type,
        data: JSON.parse(e.data) as Record<string, unknown>,
        metadata: JSON.parse(e.metadata) as Record<string, unknown>,
      }));
      const job: AppendJob = { stream, events: stored, expected: expectedRevision, created: createdAt.toISOString() };
      waiting.push({ job, parsed, createdAt, resolve, reject });
      schedule();
    });
    lastPending.set(stream, appended);
    const forget = () => {
      if (lastPending.get(stream) === appended) lastPending.delete(stream);
    };
    appended.then(forget, forget);
    return appended;
  };

  /**
   * Resolves once every append to `stream` made so far is answered. A command reads its stream
   * before it decides: read while an append to it is being written, it would decide on a revision
   * about to be stale and conflict for sure; a hot stream would then win only every other batch.
   */
  const settled = async (stream: string) => {
    await lastPending.get(stream)?.catch(() => undefined);
  };

  const durable = () =>
    new Promise<void>((resolve, reject) => {
      barriers.push({ resolve, reject });
      schedule();
    });

  return { append, durable, settled };
}
