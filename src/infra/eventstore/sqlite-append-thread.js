// The append worker thread (started by sqlite-append-worker.ts): the event store's own connection
// to the file, at the configured synchronous, so that the fsync of every commit happens here and
// never blocks the service's event loop. Plain JavaScript, so that it runs from `src` under the
// test runner and from `dist` alike.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { createBatchWriter } from './sqlite-append-batch.js';

/** The log is folded into the file at least this often, whoever wrote it (the service's connection does not). */
const CHECKPOINT_EVERY_MS = 10_000;

const db = new Database(workerData.path, { fileMustExist: true });
db.pragma(`synchronous = ${workerData.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
db.pragma('busy_timeout = 5000');
db.defaultSafeIntegers(false);
const write = createBatchWriter(db);
const checkpoints = setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), CHECKPOINT_EVERY_MS);

parentPort.on('message', (message) => {
  if (message.close) {
    clearInterval(checkpoints);
    db.close();
    parentPort.close();
    return;
  }
  let answer;
  try {
    answer = { seq: message.seq, outcomes: write(message.jobs, message.mark) };
  } catch (error) {
    answer = { seq: message.seq, failure: error instanceof Error ? error.message : String(error) };
  }
  parentPort.postMessage(answer);
});
