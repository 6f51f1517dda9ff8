/** The append worker thread, seen from the service: batches go in, outcomes come back, a crash fails what is pending. */
import { Worker } from 'node:worker_threads';
import { EventStoreUnavailableError } from '../../ports/event-store.js';
import type { AppendOutcome, CommitBatch } from './sqlite-append.js';

export interface AppendWorkerOptions {
  /** The SQLite file (its schema already in place). */
  path: string;
  synchronous: 'full' | 'normal';
  /** The thread's script; tests give one that fails on purpose. */
  script?: URL;
}

export interface AppendWorker {
  commit: CommitBatch;
  /** Why the thread is gone, while the store is open: then every append fails with it. */
  failure(): Error | null;
  /** Lets the batch being written finish, then ends the thread. */
  close(): Promise<void>;
}

type Answer = { seq: number; outcomes: AppendOutcome[] } | { seq: number; failure: string };

/**
 * Starts the thread. One batch is with it at a time (createAppend sends the next one after the
 * answer). If the thread fails or exits on its own, the batch with it and every later one are
 * refused with an error that says so, and `failure()` tells the readiness probe.
 */
export function startAppendWorker(options: AppendWorkerOptions): AppendWorker {
  const worker = new Worker(options.script ?? new URL('./sqlite-append-thread.js', import.meta.url), {
    workerData: { path: options.path, synchronous: options.synchronous },
  });
  // An idle thread never keeps the process alive; one with a batch does, until it answers.
  worker.unref();
  let seq = 0;
  let pending: { seq: number; resolve: (outcomes: AppendOutcome[]) => void; reject: (error: Error) => void } | null =
    null;
  let failure: EventStoreUnavailableError | null = null;
  let closing = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));

  const fail = (error: EventStoreUnavailableError) => {
    failure ??= error;
    pending?.reject(failure);
    pending = null;
  };
  worker.on('error', (error) =>
    fail(new EventStoreUnavailableError(`the event store's append thread failed: ${error.message}`)),
  );
  worker.on('exit', (code) => {
    if (!closing) fail(new EventStoreUnavailableError(`the event store's append thread stopped (exit code ${code})`));
  });
  worker.on('message', (answer: Answer) => {
    if (!pending || pending.seq !== answer.seq) return;
    const { resolve, reject } = pending;
    pending = null;
    worker.unref();
    if ('outcomes' in answer) resolve(answer.outcomes);
    else reject(new Error(`the event store could not commit: ${answer.failure}`));
  });

  return {
    commit(jobs, mark) {
      if (failure) return Promise.reject(failure);
      if (closing) return Promise.reject(new Error('the event store is closed'));
      return new Promise<AppendOutcome[]>((resolve, reject) => {
        seq += 1;
        pending = { seq, resolve, reject };
        worker.ref();
        worker.postMessage({ seq, jobs, mark });
      });
    },
    failure: () => failure,
    async close() {
      if (closing) return exited;
      closing = true;
      if (failure) return exited;
      // Held until the thread has ended: the process may have nothing else left to wait for.
      worker.ref();
      worker.postMessage({ close: true });
      await exited;
    },
  };
}
