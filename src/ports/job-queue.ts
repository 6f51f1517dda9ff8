/** The job queue port: BullMQ semantics, whatever the adapter. */

export interface JobOptions {
  /** The de-duplication key, per job name: an id the queue still knows for that name (waiting, delayed, active, or finished within the retention) is not added again. */
  jobId: string;
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  /** Tries in all, the first included (default 5). */
  attempts?: number;
  /** First retry after this many milliseconds, doubling each time (default 1000). */
  backoffMs?: number;
  /** Fields of `data` that hold a secret: removed from the stored job once it completes or fails for good. */
  secretFields?: string[];
}

export interface Job<T = Record<string, unknown>> {
  id: string;
  name: string;
  data: T;
  /** 1 on the first try. */
  attempt: number;
}

export type JobProcessor<T = Record<string, unknown>> = (job: Job<T>) => Promise<void>;

export interface JobQueue {
  /** Adds a job; resolves false (and changes nothing) when its id is already known. */
  add<T extends Record<string, unknown>>(name: string, data: T, options: JobOptions): Promise<boolean>;
  /** Starts processing jobs of this name in this process. A processor that throws is retried with backoff. */
  process<T extends Record<string, unknown>>(
    name: string,
    processor: JobProcessor<T>,
    options?: { concurrency?: number },
  ): void;
  /** Jobs waiting, delayed or active. */
  depth(): Promise<number>;
  /** What the queue holds for a job id, for tests and operators (data without secrets once finished). */
  inspect(jobId: string): Promise<{
    state: 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';
    data: Record<string, unknown>;
    attemptsMade: number;
    /** Of a job that failed for good: a code such as `EENVELOPE` or `job_failed`, never the error's text. */
    failedReason?: string;
  } | null>;
  /** Takes no new jobs, waits for the active ones to finish, then closes its connections. */
  close(): Promise<void>;
}

/** How long finished jobs are kept, and so how long a job id de-duplicates. */
export const JOB_RETENTION_MS = 7 * 24 * 3_600_000;
