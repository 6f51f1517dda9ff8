import { randomUUID } from 'node:crypto';
import type { SqliteDatabase } from '../sqlite/database.js';
import {
  JOB_RETENTION_MS,
  type Job,
  type JobOptions,
  type JobProcessor,
  type JobQueue,
} from '../../ports/job-queue.js';

/**
 * The embedded job queue: one SQLite table in the service's own file, BullMQ's semantics.
 *
 * - A row per job, keyed by (name, id): the id de-duplicates per job name, as it does with BullMQ,
 *   where every name is its own queue (see bullmq.ts). A known id (waiting, delayed, active, or
 *   finished within JOB_RETENTION_MS) is not added again.
 * - `delayed` is not stored: it is a waiting row whose `run_at` lies in the future.
 * - Taking a job is one UPDATE … RETURNING that sets it active under a fresh lock token; its outcome
 *   is recorded only while the row still holds that token, so an attempt that was given up for
 *   dead (see below) cannot overwrite what a later attempt recorded.
 * - At-least-once: when this instance starts processing a name, rows of that name left `active`
 *   (by a process that died mid-job) go back to waiting. That is done by `process()`, not at
 *   creation, so that an instance that only adds jobs (a CLI on the same file) never steals the
 *   jobs a running server is working on. One processing instance per file and name is assumed.
 * - No busy polling: each processed name has one timer, set to the next due job (at most `pollMs`
 *   away, for jobs another process wrote to the file), and is woken at once by this instance's
 *   add(). Timers are unref'd: an idle queue never keeps the process alive.
 */

interface JobRow {
  name: string;
  id: string;
  data: string;
  state: 'waiting' | 'active' | 'completed' | 'failed';
  run_at: number;
  attempts_made: number;
  max_attempts: number;
  backoff_ms: number;
  secret_fields: string;
  finished_at: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  name          TEXT NOT NULL,
  id            TEXT NOT NULL,
  data          TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('waiting', 'active', 'completed', 'failed')),
  run_at        INTEGER NOT NULL,
  attempts_made INTEGER NOT NULL DEFAULT 0,
  max_attempts  INTEGER NOT NULL,
  backoff_ms    INTEGER NOT NULL,
  secret_fields TEXT NOT NULL,
  lock          TEXT,
  last_error    TEXT,
  created_at    INTEGER NOT NULL,
  finished_at   INTEGER,
  PRIMARY KEY (name, id)
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (name, state, run_at);
CREATE INDEX IF NOT EXISTS jobs_id ON jobs (id);
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
`;

const DEFAULT_ATTEMPTS = 5;
const DEFAULT_BACKOFF_MS = 1000;
/** Longest sleep of an idle processing loop: jobs another process wrote to the file are seen within it. */
const DEFAULT_POLL_MS = 1000;
/** Finished jobs older than the retention are deleted at most this often. */
const PRUNE_EVERY_MS = 10 * 60_000;

export interface SqliteJobQueueOptions {
  /** Milliseconds since the epoch; for tests. */
  clock?: () => number;
  /** Longest sleep of an idle processing loop (default 1000 ms). */
  pollMs?: number;
  /** Failures of the queue itself (not of a processor, those are recorded on the job). Default: console.error. */
  onError?: (error: unknown) => void;
}

interface Processing {
  name: string;
  processor: JobProcessor;
  concurrency: number;
  running: Set<Promise<void>>;
  timer: NodeJS.Timeout | undefined;
}

const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));

const withoutSecrets = (json: string, secretFieldsJson: string): string => {
  const secretFields = JSON.parse(secretFieldsJson) as string[];
  if (secretFields.length === 0) return json;
  const data = JSON.parse(json) as Record<string, unknown>;
  for (const field of secretFields) delete data[field];
  return JSON.stringify(data);
};

export function createSqliteJobQueue(db: SqliteDatabase, options: SqliteJobQueueOptions = {}): JobQueue {
  const clock = options.clock ?? Date.now;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const onError = options.onError ?? ((error: unknown) => console.error('job queue (sqlite):', error));
  db.exec(SCHEMA);

  const find = db
    .prepare<[string, string], Pick<JobRow, 'state' | 'finished_at'>>(
      'SELECT state, finished_at FROM jobs WHERE name = ? AND id = ?',
    )
    .safeIntegers(false);
  const remove = db.prepare<[string, string]>('DELETE FROM jobs WHERE name = ? AND id = ?');
  const insert = db.prepare<[string, string, string, number, number, number, string, number]>(
    `INSERT INTO jobs (name, id, data, state, run_at, max_attempts, backoff_ms, secret_fields, created_at)
     VALUES (?, ?, ?, 'waiting', ?, ?, ?, ?, ?)`,
  );
  const claim = db
    .prepare<[string, string, number], JobRow>(
      `UPDATE jobs SET state = 'active', lock = ?
      WHERE rowid = (SELECT rowid FROM jobs WHERE name = ? AND state = 'waiting' AND run_at <= ? ORDER BY run_at, rowid LIMIT 1)
      RETURNING name, id, data, state, run_at, attempts_made, max_attempts, backoff_ms, secret_fields, finished_at`,
    )
    .safeIntegers(false);
  const nextDue = db
    .prepare<[string], { run_at: number | null }>(
      "SELECT MIN(run_at) AS run_at FROM jobs WHERE name = ? AND state = 'waiting'",
    )
    .safeIntegers(false);
  const complete = db.prepare<[string, number, string, string, string]>(
    `UPDATE jobs SET state = 'completed', data = ?, attempts_made = attempts_made + 1, finished_at = ?, lock = NULL
      WHERE name = ? AND id = ? AND lock = ?`,
  );
  const failForGood = db.prepare<[string, string, number, string, string, string]>(
    `UPDATE jobs SET state = 'failed', data = ?, last_error = ?, attempts_made = attempts_made + 1, finished_at = ?, lock = NULL
      WHERE name = ? AND id = ? AND lock = ?`,
  );
  const retryLater = db.prepare<[string, number, string, string, string]>(
    `UPDATE jobs SET state = 'waiting', last_error = ?, attempts_made = attempts_made + 1, run_at = ?, lock = NULL
      WHERE name = ? AND id = ? AND lock = ?`,
  );
  const recover = db.prepare<[string]>(
    "UPDATE jobs SET state = 'waiting', lock = NULL WHERE name = ? AND state = 'active'",
  );
  const prune = db.prepare<[number]>("DELETE FROM jobs WHERE state IN ('completed', 'failed') AND finished_at <= ?");
  const countLive = db
    .prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('waiting', 'active')")
    .safeIntegers(false);
  const byId = db
    .prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1')
    .safeIntegers(false);

  const addTransaction = db.transaction(
    (
      name: string,
      id: string,
      data: string,
      runAt: number,
      attempts: number,
      backoffMs: number,
      secretFields: string,
      now: number,
    ) => {
      const known = find.get(name, id);
      if (known) {
        const expired = known.finished_at !== null && known.finished_at <= now - JOB_RETENTION_MS;
        if (!expired) return false;
        remove.run(name, id);
      }
      insert.run(name, id, data, runAt, attempts, backoffMs, secretFields, now);
      return true;
    },
  );

  /** Records an attempt's outcome, if the row is still this attempt's (see `lock`). */
  const finish = db.transaction((row: JobRow, lock: string, error: { message: string } | null) => {
    const now = clock();
    if (!error) {
      complete.run(withoutSecrets(row.data, row.secret_fields), now, row.name, row.id, lock);
    } else if (row.attempts_made + 1 >= row.max_attempts) {
      failForGood.run(withoutSecrets(row.data, row.secret_fields), error.message, now, row.name, row.id, lock);
    } else {
      // BullMQ's exponential backoff: backoffMs * 2^(attempt - 1), attempt being the one that failed.
      const delay = row.backoff_ms * 2 ** row.attempts_made;
      retryLater.run(error.message, now + delay, row.name, row.id, lock);
    }
  });

  let lastPrune = Number.NEGATIVE_INFINITY;
  const maybePrune = () => {
    const now = clock();
    if (now - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = now;
    prune.run(now - JOB_RETENTION_MS);
  };

  const processing = new Map<string, Processing>();
  let closed = false;

  const arm = (loop: Processing, ms: number) => {
    loop.timer = setTimeout(() => pump(loop), Math.max(1, Math.min(ms, pollMs)));
    loop.timer.unref();
  };

  const run = (loop: Processing, row: JobRow, lock: string) => {
    const job: Job = {
      id: row.id,
      name: row.name,
      data: JSON.parse(row.data) as Record<string, unknown>,
      attempt: row.attempts_made + 1,
    };
    const attempt: Promise<void> = (async () => {
      let error: { message: string } | null = null;
      try {
        await loop.processor(job);
      } catch (thrown) {
        error = { message: errorMessage(thrown) };
      }
      try {
        finish.immediate(row, lock, error);
      } catch (failure) {
        // The row stays active: it runs again when processing restarts (at-least-once).
        onError(failure);
      }
    })().finally(() => {
      loop.running.delete(attempt);
      pump(loop);
    });
    loop.running.add(attempt);
  };

  /** Takes every due job of this name the concurrency allows, then sleeps until the next is due. */
  function pump(loop: Processing) {
    if (loop.timer) clearTimeout(loop.timer);
    loop.timer = undefined;
    if (closed) return;
    try {
      maybePrune();
      while (loop.running.size < loop.concurrency) {
        const lock = randomUUID();
        const row = claim.get(lock, loop.name, clock());
        if (!row) break;
        run(loop, row, lock);
      }
      if (loop.running.size < loop.concurrency) {
        const next = nextDue.get(loop.name)?.run_at;
        arm(loop, next === null || next === undefined ? pollMs : next - clock());
      }
      // At full concurrency no timer is needed: every finished job pumps again.
    } catch (error) {
      onError(error);
      if (!loop.timer && loop.running.size < loop.concurrency) arm(loop, pollMs);
    }
  }

  return {
    async add(name, data, jobOptions: JobOptions) {
      if (closed) throw new Error('the job queue is closed');
      const attempts = jobOptions.attempts ?? DEFAULT_ATTEMPTS;
      const backoffMs = jobOptions.backoffMs ?? DEFAULT_BACKOFF_MS;
      const delayMs = jobOptions.delayMs ?? 0;
      if (!Number.isInteger(attempts) || attempts < 1)
        throw new Error(`attempts must be a positive integer, not ${attempts}`);
      if (!(backoffMs >= 0) || !(delayMs >= 0)) throw new Error('backoffMs and delayMs must not be negative');
      const now = clock();
      maybePrune();
      const added = addTransaction.immediate(
        name,
        jobOptions.jobId,
        JSON.stringify(data),
        now + delayMs,
        attempts,
        backoffMs,
        JSON.stringify(jobOptions.secretFields ?? []),
        now,
      );
      const loop = processing.get(name);
      if (added && loop) queueMicrotask(() => pump(loop));
      return added;
    },

    process(name, processor, processOptions = {}) {
      if (closed) throw new Error('the job queue is closed');
      if (processing.has(name)) throw new Error(`jobs named ${name} are already processed by this queue`);
      const concurrency = processOptions.concurrency ?? 1;
      if (!Number.isInteger(concurrency) || concurrency < 1)
        throw new Error(`concurrency must be a positive integer, not ${concurrency}`);
      const loop: Processing = {
        name,
        processor: processor as JobProcessor,
        concurrency,
        running: new Set(),
        timer: undefined,
      };
      processing.set(name, loop);
      recover.run(name);
      queueMicrotask(() => pump(loop));
    },

    async depth() {
      return countLive.get()!.n;
    },

    async inspect(jobId) {
      const row = byId.get(jobId);
      if (!row) return null;
      const state = row.state === 'waiting' && row.run_at > clock() ? 'delayed' : row.state;
      return { state, data: JSON.parse(row.data) as Record<string, unknown>, attemptsMade: row.attempts_made };
    },

    async close() {
      closed = true;
      const running: Promise<void>[] = [];
      for (const loop of processing.values()) {
        if (loop.timer) clearTimeout(loop.timer);
        loop.timer = undefined;
        running.push(...loop.running);
      }
      await Promise.allSettled(running);
    },
  };
}
