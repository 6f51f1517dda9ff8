import type { Statement } from 'better-sqlite3';
import type { Delivery, DeliveryStatus, WebhookDeliveryLog } from '../../ports/webhook-deliveries.js';
import {
  CHANGEABLE,
  type ChangeableField,
  givenChanges,
  positionFromKey,
  positionKey,
} from '../webhook-delivery-fields.js';
import type { SqliteDatabase } from './database.js';

interface DeliveryRow {
  endpoint_id: string;
  event_id: string;
  event_type: string;
  account_id: string;
  stream_id: string;
  revision: string;
  position_key: string;
  event_time: string;
  status: DeliveryStatus;
  round: number;
  attempts: number;
  first_attempt_at: string | null;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
  last_error: string | null;
  last_status: number | null;
  last_response: string | null;
  replay_id: string | null;
  created_at: string;
}

const toDelivery = (row: DeliveryRow): Delivery => ({
  endpointId: row.endpoint_id,
  eventId: row.event_id,
  eventType: row.event_type,
  accountId: row.account_id,
  streamId: row.stream_id,
  revision: row.revision,
  position: positionFromKey(row.position_key),
  eventTime: row.event_time,
  status: row.status,
  round: row.round,
  attempts: row.attempts,
  firstAttemptAt: row.first_attempt_at,
  lastAttemptAt: row.last_attempt_at,
  nextAttemptAt: row.next_attempt_at,
  deliveredAt: row.delivered_at,
  lastError: row.last_error,
  lastStatus: row.last_status,
  lastResponse: row.last_response,
  replayId: row.replay_id,
  createdAt: row.created_at,
});

/**
 * The delivery log in the embedded store's file, beside the events. Positions are kept as
 * zero-padded text (see positionKey) so that they sort as numbers past 2^63. `durable`: when `db`
 * does not fsync its commits itself, waits until what it wrote is on disk (see
 * composition/stores.ts); a delivery added or changed (an operator's retry or replay, answered 202)
 * is answered only then.
 */
export function createSqliteWebhookDeliveryLog(
  db: SqliteDatabase,
  options: { durable?: () => Promise<void> } = {},
): WebhookDeliveryLog {
  // A rowid table, not WITHOUT ROWID: a row keeps up to 1 KB of the receiver's answer.
  db.exec(`CREATE TABLE IF NOT EXISTS webhook_deliveries (
    endpoint_id      TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    account_id       TEXT NOT NULL,
    stream_id        TEXT NOT NULL,
    revision         TEXT NOT NULL,
    position_key     TEXT NOT NULL,
    event_time       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('held', 'pending', 'delivered', 'failed', 'skipped')),
    round            INTEGER NOT NULL,
    attempts         INTEGER NOT NULL,
    first_attempt_at TEXT,
    last_attempt_at  TEXT,
    next_attempt_at  TEXT,
    delivered_at     TEXT,
    last_error       TEXT,
    last_status      INTEGER,
    last_response    TEXT,
    replay_id        TEXT,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (endpoint_id, event_id)
  );
  CREATE INDEX IF NOT EXISTS webhook_deliveries_by_position ON webhook_deliveries (endpoint_id, position_key);
  CREATE INDEX IF NOT EXISTS webhook_deliveries_by_status ON webhook_deliveries (endpoint_id, status, position_key);
  CREATE INDEX IF NOT EXISTS webhook_deliveries_by_line
    ON webhook_deliveries (endpoint_id, account_id, status, position_key);
  -- Partial: only what still waits, a small part of the log, and it covers backlog()'s query.
  CREATE INDEX IF NOT EXISTS webhook_deliveries_waiting ON webhook_deliveries (endpoint_id, event_time)
    WHERE status IN ('held', 'pending');
  -- Partial: an erasure finds the few kept answers without reading every delivery.
  CREATE INDEX IF NOT EXISTS webhook_deliveries_answers ON webhook_deliveries (account_id)
    WHERE last_response IS NOT NULL;
  CREATE TABLE IF NOT EXISTS webhook_endpoint_health (
    endpoint_id   TEXT PRIMARY KEY,
    failing_since TEXT
  ) WITHOUT ROWID;`);

  const insert = db.prepare<[Record<string, unknown>]>(
    `INSERT OR IGNORE INTO webhook_deliveries
       (endpoint_id, event_id, event_type, account_id, stream_id, revision, position_key, event_time,
        status, round, attempts, created_at)
     VALUES (@endpointId, @eventId, @eventType, @accountId, @streamId, @revision, @positionKey, @eventTime,
        'held', 0, 0, @createdAt)`,
  );
  const select = db.prepare<[string, string], DeliveryRow>(
    'SELECT * FROM webhook_deliveries WHERE endpoint_id = ? AND event_id = ?',
  );
  // One statement per shape of list (status given or not, bound given or not): each uses its index.
  const lists = new Map(
    [false, true].flatMap((byStatus) =>
      [false, true].map((bounded) => {
        const where = ['endpoint_id = @endpointId'];
        if (byStatus) where.push('status = @status');
        if (bounded) where.push('position_key < @before');
        const sql = `SELECT * FROM webhook_deliveries WHERE ${where.join(' AND ')} ORDER BY position_key DESC LIMIT @limit`;
        return [`${byStatus}:${bounded}`, db.prepare<[Record<string, unknown>], DeliveryRow>(sql)] as const;
      }),
    ),
  );
  const firstOfLine = db.prepare<[string, string, DeliveryStatus], DeliveryRow>(
    `SELECT * FROM webhook_deliveries WHERE endpoint_id = ? AND account_id = ? AND status = ?
     ORDER BY position_key LIMIT 1`,
  );
  const waiting = db.prepare<[], { endpoint_id: string; waiting: number; oldest: string }>(
    `SELECT endpoint_id, COUNT(*) AS waiting, MIN(event_time) AS oldest FROM webhook_deliveries
     WHERE status IN ('held', 'pending') GROUP BY endpoint_id ORDER BY endpoint_id`,
  );
  // The earliest of the kept and the given failure; NULL (a row from an older success) counts as none.
  const recordFailure = db.prepare<[string, string], { failing_since: string }>(
    `INSERT INTO webhook_endpoint_health (endpoint_id, failing_since) VALUES (?, ?)
     ON CONFLICT(endpoint_id) DO UPDATE SET
       failing_since = COALESCE(MIN(failing_since, excluded.failing_since), excluded.failing_since)
     RETURNING failing_since`,
  );
  const clearFailure = db.prepare<[string]>('DELETE FROM webhook_endpoint_health WHERE endpoint_id = ?');
  const forgetAnswers = db.prepare<[string]>(
    'UPDATE webhook_deliveries SET last_response = NULL WHERE account_id = ? AND last_response IS NOT NULL',
  );
  const deleteDeliveries = db.prepare<[string]>('DELETE FROM webhook_deliveries WHERE endpoint_id = ?');
  const dropEndpoint = db.transaction((endpointId: string) => {
    deleteDeliveries.run(endpointId);
    clearFailure.run(endpointId);
  });

  // `change` sets different fields from call to call: one statement per set of fields, made once.
  const changeStatements = new Map<string, Statement<[Record<string, unknown>]>>();
  const changeStatement = (fields: ChangeableField[]) => {
    const key = fields.join();
    let statement = changeStatements.get(key);
    if (!statement) {
      // No field to set still answers whether the delivery is as expected (`status = status` matches).
      const set = fields.length ? fields.map((f) => `${CHANGEABLE[f]} = @${f}`).join(', ') : 'status = status';
      statement = db.prepare<[Record<string, unknown>]>(
        `UPDATE webhook_deliveries SET ${set}
         WHERE endpoint_id = @endpointId AND event_id = @eventId AND round = @expectedRound
           AND status IN (SELECT value FROM json_each(@expectedStatuses))`,
      );
      changeStatements.set(key, statement);
    }
    return statement;
  };

  return {
    async add(delivery, at) {
      const { endpointId, eventId, eventType, accountId, streamId, revision, position, eventTime } = delivery;
      const row = { endpointId, eventId, eventType, accountId, streamId, revision, eventTime, createdAt: at };
      const added = insert.run({ ...row, positionKey: positionKey(position) }).changes === 1;
      if (added) await options.durable?.();
      return added;
    },
    async get(endpointId, eventId) {
      const row = select.get(endpointId, eventId);
      return row ? toDelivery(row) : null;
    },
    async list(endpointId, { status, beforePosition, limit }) {
      const bounded = beforePosition !== undefined;
      const statement = lists.get(`${status !== undefined}:${bounded}`)!;
      const before = bounded ? positionKey(beforePosition) : null;
      return statement.all({ endpointId, status: status ?? null, before, limit }).map(toDelivery);
    },
    async change(endpointId, eventId, expected, changes) {
      const given = givenChanges(changes);
      const statement = changeStatement(given.map(([field]) => field).sort());
      const result = statement.run({
        ...Object.fromEntries(given),
        endpointId,
        eventId,
        expectedRound: expected.round,
        expectedStatuses: JSON.stringify(expected.statuses),
      });
      const changed = result.changes === 1;
      if (changed) await options.durable?.();
      return changed;
    },
    async line(endpointId, accountId) {
      const pending = firstOfLine.get(endpointId, accountId, 'pending');
      const firstHeld = firstOfLine.get(endpointId, accountId, 'held');
      return { pending: pending ? toDelivery(pending) : null, firstHeld: firstHeld ? toDelivery(firstHeld) : null };
    },
    async backlog() {
      return waiting
        .all()
        .map((row) => ({ endpointId: row.endpoint_id, waiting: row.waiting, oldestEventTime: row.oldest }));
    },
    async failedAt(endpointId, at) {
      return recordFailure.get(endpointId, at)!.failing_since;
    },
    async succeeded(endpointId) {
      clearFailure.run(endpointId);
    },
    async forgetAccount(accountId) {
      forgetAnswers.run(accountId);
    },
    async dropEndpoint(endpointId) {
      dropEndpoint(endpointId);
    },
  };
}
