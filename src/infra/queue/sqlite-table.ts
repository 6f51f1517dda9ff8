/** The embedded job queue's table (see sqlite.ts): its schema, statements, and the transactions that write a job. */
import type { SqliteDatabase } from '../sqlite/database.js';
import { JOB_RETENTION_MS } from '../../ports/job-queue.js';

export interface JobRow {
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
  /** A failure's code (see scrub.ts); only read by inspect(), which selects every column. */
  last_error?: string | null;
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

const withoutSecrets = (json: string, secretFieldsJson: string): string => {
  const secretFields = JSON.parse(secretFieldsJson) as string[];
  if (secretFields.length === 0) return json;
  const data = JSON.parse(json) as Record<string, unknown>;
  for (const field of secretFields) delete data[field];
  return JSON.stringify(data);
};

/**
 * Creates the table if need be and prepares what the queue does with it. `addTransaction` inserts a
 * job unless its (name, id) is known and not yet expired; `finish` records an attempt's outcome,
 * scheduling the retry with BullMQ's backoff.
 */
export function createJobTable(db: SqliteDatabase, clock: () => number) {
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

  return { addTransaction, finish, claim, nextDue, recover, prune, countLive, byId };
}
