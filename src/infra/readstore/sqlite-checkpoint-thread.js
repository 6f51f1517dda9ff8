// The read models' checkpoint thread (started by openSqliteReadStore): folds read-models.db's WAL
// into the file every `everyMs` on a connection of its own, so that the checkpoint's writes and
// fsyncs never block the service's event loop (its own connection has automatic checkpoints off).
// A PASSIVE checkpoint never waits for the writer: it copies what it can and tries again later.
// Plain JavaScript, so that it runs from `src` under the test runner and from `dist` alike.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), workerData.everyMs);

parentPort.on('message', (message) => {
  if (!message.close) return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
