import { randomUUID } from 'node:crypto';
import type { SqliteDatabase } from '../sqlite/database.js';
import {
  JOB_RETENTION_MS,
  type Job,
  type JobOptions,
  type JobProcessor,
  type JobQueue,
} from '../../ports/job-queue.js';
import { failureCode } from './scrub.js';
import { createJobTable, type JobRow } from './sqlite-table.js';

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
 *
 * The table, its statements and the transactions that write a job are in sqlite-table.ts; this
 * file is the port: adding, the processing loops, inspecting, closing.
 */

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
  /**
   * When `db` does not fsync its commits itself: waits until what it wrote is on disk (see
   * composition/stores.ts). A job added is answered only then: a request that enqueued a mail is
   * not acknowledged before the mail's job would survive a power cut.
   */
  durable?: () => Promise<void>;
}

interface Processing {
  name: string;
  processor: JobProcessor;
  concurrency: number;
  running: Set<Promise<void>>;
  timer: NodeJS.Timeout | undefined;
}

export function createSqliteJobQueue(db: SqliteDatabase, options: SqliteJobQueueOptions = {}): JobQueue {
  const clock = options.clock ?? Date.now;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const onError = options.onError ?? ((error: unknown) => console.error('job queue (sqlite):', error));
  const { addTransaction, finish, claim, nextDue, recover, prune, countLive, byId } = createJobTable(db, clock);

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
        // last_error keeps the code only, as BullMQ's failedReason does (see scrub.ts).
        error = { message: failureCode(thrown) };
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
      if (added && options.durable) await options.durable();
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
      const data = JSON.parse(row.data) as Record<string, unknown>;
      const failed = state === 'failed' && row.last_error ? { failedReason: row.last_error } : {};
      return { state, data, attemptsMade: row.attempts_made, ...failed };
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
