// An append thread that fails on purpose: it writes batches as the real one does
// (src/infra/eventstore/sqlite-append-thread.js) until a file named `fail-appends` appears beside
// the store's file; then the next batch it is given throws out of the thread, as a crash would.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { createBatchWriter } from '../../src/infra/eventstore/sqlite-append-batch.js';

const trigger = join(dirname(workerData.path), 'fail-appends');
const db = new Database(workerData.path, { fileMustExist: true });
const write = createBatchWriter(db);
parentPort.on('message', (message) => {
  if (message.close) {
    db.close();
    parentPort.close();
    return;
  }
  if (existsSync(trigger)) throw new Error('the append thread failed on purpose');
  parentPort.postMessage({ seq: message.seq, outcomes: write(message.jobs, message.mark) });
});
