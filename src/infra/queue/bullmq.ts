import { randomUUID } from 'node:crypto';
import { Queue, type Worker, type Job as BullJob, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { JOB_RETENTION_MS, type JobProcessor, type JobQueue } from '../../ports/job-queue.js';
import { retryWhileUnreachable, waitUntilReady } from './bullmq-connection.js';
import { encodeId, isEnvelope, type Envelope } from './bullmq-envelope.js';
import { startJobWorker } from './bullmq-worker.js';

/**
 * The job queue on Redis, with BullMQ.
 *
 * One BullMQ queue per job name (`<prefix>:<name>:…`). A BullMQ Worker takes every job of its queue
 * whatever the name, with one concurrency; a queue per name lets `process(name, …, {concurrency})`
 * mean exactly that, and lets a process run some names and not others. It follows that a job id
 * de-duplicates per name (the SQLite adapter does the same). The names ever used are kept in a
 * set (`<prefix>:job-queue-names`) for depth() and inspect().
 *
 * The stored data is an envelope, `{ payload, token, secretFields }`:
 * - `token` is unique per add() call. BullMQ answers an add() of a known id with that job, not an
 *   error; reading the job back after the add and comparing tokens tells which call created it.
 *   That is exact under races (of two concurrent adds of one id exactly one resolves true), and a
 *   retried add (after a connection error) keeps its token, so it finds its own job.
 * - `secretFields` are removed from `payload` once the job has completed or failed for good, in the
 *   worker's 'completed'/'failed' handlers, after BullMQ recorded the outcome. Not before: a job whose
 *   completion could not be recorded (Redis gone past the lock) is run again and must still have its
 *   secret. The cost is a window (the handler's round trips, longer if Redis is down then) in which a
 *   finished job still holds its secret; a strip that fails is retried for a few seconds, then
 *   reported to onError, and the secret then stays until the retention removes the job.
 *
 * Connections. Producer side (add, depth, inspect, the strips): one ioredis connection with
 * `enableOfflineQueue: false`, as BullMQ recommends for producers behind an HTTP request: while
 * Redis is unreachable a command fails at once instead of waiting for the reconnection.
 * add() retries such failures for `addTimeoutMs` (default 5 s), which rides out a Redis restart,
 * and then rejects: the request that enqueues a secret-carrying mail fails (DESIGN.md) instead of
 * hanging. A rejected add never runs later (nothing waits in an offline queue), except for the
 * rare command already written when the connection dropped, which may have been applied; the same
 * id makes a second try harmless. Worker side: `maxRetriesPerRequest: null` (BullMQ requires it);
 * BullMQ duplicates that connection for each Worker and its blocking fetch, and the workers wait
 * through a Redis restart and resume.
 */

export interface BullmqJobQueueOptions {
  /** Redis key prefix (default 'accounts'). */
  prefix?: string;
  /** How long add() (and depth(), inspect()) keep trying while Redis is unreachable before they reject (default 5000 ms). */
  addTimeoutMs?: number;
  /** How long opening waits for Redis (default 10000 ms). */
  connectTimeoutMs?: number;
  /** Failures of the queue itself (not of a processor, those are recorded on the job). Default: console.error. */
  onError?: (error: unknown) => void;
}

const DEFAULT_ATTEMPTS = 5;
const DEFAULT_BACKOFF_MS = 1000;
const STRIP_TIMEOUT_MS = 10_000;
const RETENTION = { age: Math.floor(JOB_RETENTION_MS / 1000) };
const COUNTED_STATES = ['waiting', 'prioritized', 'delayed', 'active'] as const;

export async function openBullmqJobQueue(redisUrl: string, options: BullmqJobQueueOptions = {}): Promise<JobQueue> {
  const prefix = options.prefix ?? 'accounts';
  const addTimeoutMs = options.addTimeoutMs ?? 5000;
  const onError = options.onError ?? ((error: unknown) => console.error('job queue (bullmq):', error));
  const namesKey = `${prefix}:job-queue-names`;

  const producer = new Redis(redisUrl, {
    enableOfflineQueue: false,
    // A command caught in flight by a disconnection fails after one reconnection attempt…
    maxRetriesPerRequest: 1,
    // …and one that Redis never answers (a hung server) after this long.
    commandTimeout: 5000,
  });
  // Connection errors surface through the commands that fail; this keeps ioredis from printing them.
  producer.on('error', () => undefined);
  try {
    await waitUntilReady(producer, options.connectTimeoutMs ?? 10_000);
  } catch (error) {
    producer.disconnect();
    throw error;
  }
  // Never connected itself: each Worker duplicates it (twice) and owns the copies.
  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  workerConnection.on('error', () => undefined);

  const queues = new Map<string, Queue>();
  const registered = new Set<string>();
  const workers = new Map<string, Worker>();
  const pending = new Set<Promise<void>>();
  let closed = false;

  const queueFor = (name: string): Queue => {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: producer,
        prefix,
        // Fail fast (see above) rather than wait for a connection that is not there; the version
        // check would wait for it too (the workers still make it).
        skipWaitingForReady: true,
        skipVersionCheck: true,
      });
      // Connection errors are reported to the callers whose commands fail.
      queue.on('error', () => undefined);
      queues.set(name, queue);
    }
    return queue;
  };

  const register = async (name: string) => {
    if (registered.has(name)) return;
    await producer.sadd(namesKey, name);
    registered.add(name);
  };

  /** Runs `attempt` again while Redis is unreachable, for at most `timeoutMs`. */
  const retrying = <T>(timeoutMs: number, attempt: () => Promise<T>): Promise<T> =>
    retryWhileUnreachable(timeoutMs, attempt, () => closed);

  const track = (work: Promise<void>) => {
    const tracked = work.catch(onError).finally(() => pending.delete(tracked));
    pending.add(tracked);
  };

  /** Removes the secrets of a job that has completed or failed for good. */
  const stripSecrets = (name: string, bullJob: BullJob) => {
    if (!isEnvelope(bullJob.data) || bullJob.data.secretFields.length === 0 || bullJob.id === undefined) return;
    const id = bullJob.id;
    track(
      retrying(STRIP_TIMEOUT_MS, async () => {
        const stored = await queueFor(name).getJob(id);
        if (!stored || !isEnvelope(stored.data) || stored.data.secretFields.length === 0) return;
        const state = await stored.getState();
        if (state !== 'completed' && state !== 'failed') return;
        const payload = { ...stored.data.payload };
        for (const field of stored.data.secretFields) delete payload[field];
        await stored.updateData({ ...stored.data, payload, secretFields: [] } satisfies Envelope);
      }),
    );
  };

  const knownNames = async (): Promise<string[]> => {
    const names = new Set(await producer.smembers(namesKey));
    for (const name of queues.keys()) names.add(name);
    return [...names];
  };

  return {
    async add(name, data, jobOptions) {
      if (closed) throw new Error('the job queue is closed');
      const id = encodeId(jobOptions.jobId);
      const envelope: Envelope = { payload: data, token: randomUUID(), secretFields: jobOptions.secretFields ?? [] };
      const opts: JobsOptions = {
        jobId: id,
        delay: jobOptions.delayMs ?? 0,
        attempts: jobOptions.attempts ?? DEFAULT_ATTEMPTS,
        backoff: { type: 'exponential', delay: jobOptions.backoffMs ?? DEFAULT_BACKOFF_MS },
        // Kept for the retention, so that the id de-duplicates that long.
        removeOnComplete: RETENTION,
        removeOnFail: RETENTION,
        // No stack traces in Redis: the worker throws a scrubbed error with none (see scrub.ts),
        // and this keeps BullMQ's own failures (a stalled job, say) from storing one either.
        stackTraceLimit: 0,
      };
      return retrying(addTimeoutMs, async () => {
        await register(name);
        const queue = queueFor(name);
        await queue.add(name, envelope, opts);
        const stored = await queue.getJob(id);
        // Gone already (removed by an operator): no other job holds the id.
        if (!stored) return true;
        return isEnvelope(stored.data) && stored.data.token === envelope.token;
      });
    },

    process(name, processor, processOptions = {}) {
      if (closed) throw new Error('the job queue is closed');
      if (workers.has(name)) throw new Error(`jobs named ${name} are already processed by this queue`);
      const worker = startJobWorker(name, processor as JobProcessor, {
        connection: workerConnection,
        prefix,
        concurrency: processOptions.concurrency ?? 1,
        onError,
        finished: (bullJob) => stripSecrets(name, bullJob),
      });
      workers.set(name, worker);
      // For depth() and inspect() of other instances; a failure is repaired by the next add().
      register(name).catch(() => undefined);
    },

    async depth() {
      return retrying(addTimeoutMs, async () => {
        let total = 0;
        for (const name of await knownNames()) {
          const counts = await queueFor(name).getJobCounts(...COUNTED_STATES);
          for (const count of Object.values(counts)) total += count;
        }
        return total;
      });
    },

    async inspect(jobId) {
      const id = encodeId(jobId);
      const lookup = async () => {
        let found: BullJob | undefined;
        for (const name of await knownNames()) {
          const job = await queueFor(name).getJob(id);
          if (job && (!found || job.timestamp > found.timestamp)) found = job;
        }
        return found && { found, state: await found.getState() };
      };
      const result = await retrying(addTimeoutMs, lookup);
      if (!result) return null;
      const { found, state } = result;
      const mapped =
        state === 'completed' || state === 'failed' || state === 'active' || state === 'delayed'
          ? state
          : state === 'unknown'
            ? null
            : 'waiting';
      if (!mapped) return null;
      const data = isEnvelope(found.data) ? found.data.payload : (found.data as Record<string, unknown>);
      const failed = mapped === 'failed' && found.failedReason ? { failedReason: found.failedReason } : {};
      return { state: mapped, data, attemptsMade: found.attemptsMade, ...failed };
    },

    async close() {
      if (closed) return;
      closed = true;
      // Worker.close() stops taking jobs and waits for the active ones.
      await Promise.allSettled([...workers.values()].map((worker) => worker.close()));
      while (pending.size > 0) await Promise.allSettled([...pending]);
      await Promise.allSettled([...queues.values()].map((queue) => queue.close()));
      workerConnection.disconnect();
      if (producer.status === 'ready') await producer.quit().catch(() => producer.disconnect());
      else producer.disconnect();
    },
  };
}
