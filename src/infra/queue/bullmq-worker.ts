/** The worker side of the job queue: a BullMQ Worker for one job name, handing each job to the port's processor. */
import { Worker, type Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Job, JobProcessor } from '../../ports/job-queue.js';
import { isConnectionError } from './bullmq-connection.js';
import { decodeId, isEnvelope } from './bullmq-envelope.js';
import { scrubbedError } from './scrub.js';

export interface JobWorkerOptions {
  /** Duplicated by BullMQ for the Worker and its blocking fetch (see bullmq.ts, Connections). */
  connection: Redis;
  prefix: string;
  concurrency: number;
  /** Failures of the worker itself, other than Redis being unreachable. */
  onError: (error: unknown) => void;
  /** A job has completed, or failed for good: BullMQ has recorded it. */
  finished: (bullJob: BullJob) => void;
}

export function startJobWorker(name: string, run: JobProcessor, options: JobWorkerOptions): Worker {
  const { connection, prefix, concurrency, onError, finished } = options;
  const worker = new Worker(
    name,
    async (bullJob: BullJob) => {
      const job: Job = {
        id: decodeId(bullJob.id!),
        name: bullJob.name,
        data: isEnvelope(bullJob.data) ? bullJob.data.payload : (bullJob.data as Record<string, unknown>),
        attempt: bullJob.attemptsMade + 1,
      };
      try {
        await run(job);
      } catch (error) {
        // BullMQ keeps error.message (failedReason, the events stream) and error.stack (stacktrace)
        // in Redis for the retention; the original may name an address (see scrub.ts).
        throw scrubbedError(error);
      }
    },
    { connection, prefix, concurrency },
  );
  // Every reconnection attempt while Redis is down is an 'error' too: those are not news.
  worker.on('error', (error) => {
    if (!isConnectionError(error)) onError(error);
  });
  worker.on('completed', (bullJob) => finished(bullJob));
  worker.on('failed', (bullJob) => {
    if (!bullJob) return;
    const final = Boolean(bullJob.finishedOn) || bullJob.attemptsMade >= (bullJob.opts.attempts ?? 1);
    if (final) finished(bullJob);
  });
  return worker;
}
