// Writing a batch of appends to the SQLite event store's tables in one transaction: EventStoreDB's
// revision checks and idempotence. Plain JavaScript, so that the append worker thread
// (sqlite-append-worker.js) runs it from `src` under the test runner and from `dist` alike; the
// shapes it takes and answers are typed in sqlite-append-protocol.ts.

/**
 * The batch writer for the events table of `db` (its schema already in place). It takes `mark`
 * (the batch carries a barrier) and jobs
 * `{ stream, events: [{ id, type, data, metadata }] (data and metadata as JSON text), expected,
 * created }` and answers one outcome per job, in order: `{ ok: { nextRevision, position, written } }`
 * (`written`: the revision and position of each event it wrote, null for a repeat) or
 * `{ conflict: { stream, expected, actual } }` or `{ failed: { message } }`. Nothing is answered before the commit returned.
 */
export function createBatchWriter(db) {
  const currentRevision = db.prepare('SELECT revision FROM streams WHERE name = ?');
  const upsertRevision = db.prepare(
    'INSERT INTO streams (name, revision) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET revision = excluded.revision',
  );
  const insertEvent = db.prepare(
    'INSERT INTO events (id, stream, revision, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const findById = db.prepare(
    'SELECT revision, position FROM events WHERE stream = ? AND id = ? ORDER BY revision LIMIT 1',
  );
  const eventAt = db.prepare('SELECT id, position FROM events WHERE stream = ? AND revision = ?');
  const bumpSyncMark = db.prepare(
    "INSERT INTO store_meta (key, value) VALUES ('sync-mark', '1') ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
  );

  /** A refusal inside the batch: only its own savepoint is rolled back. */
  class Conflict extends Error {
    constructor(stream, expected, current) {
      super('conflict');
      this.details = { stream, expected, actual: current === undefined ? 'no_stream' : BigInt(current) };
    }
  }

  /** The events at revisions `from`, `from + 1`, … are these very ones: the last one's position, or null. */
  const sameEventsAt = (stream, from, events) => {
    let position = null;
    for (let i = 0; i < events.length; i += 1) {
      const row = eventAt.get(stream, from + i);
      if (!row || row.id !== events[i].id) return null;
      position = row.position;
    }
    return position;
  };

  /**
   * EventStoreDB's commit check (its `IndexWriter.CheckCommit`), so that both adapters keep one
   * promise. An expected revision behind the stream's is a retry only if the events after it are
   * these very ones (then it succeeds again without writing), and a conflict otherwise; one ahead
   * is a conflict; one equal to the stream's appends, even events whose ids the stream holds
   * (EventStoreDB does not look there). `any` and `stream_exists` look the first id up: found,
   * the batch must follow it whole (a repeat, written once) or it is a conflict; not found, it is
   * appended. Null: append. An answer: the repeat's result.
   */
  const check = (stream, events, expected) => {
    const current = currentRevision.get(stream)?.revision;
    if (expected === 'stream_exists' && current === undefined) throw new Conflict(stream, expected, current);
    if (expected === 'any' || expected === 'stream_exists') {
      const first = findById.get(stream, events[0].id);
      if (!first) return null;
      const position = sameEventsAt(stream, first.revision, events);
      if (position === null) throw new Conflict(stream, expected, current);
      return { nextRevision: BigInt(first.revision + events.length - 1), position: BigInt(position), written: null };
    }
    const wanted = expected === 'no_stream' ? -1 : Number(expected);
    const at = current ?? -1;
    if (wanted > at) throw new Conflict(stream, expected, current);
    if (wanted === at) return null;
    const position = sameEventsAt(stream, wanted + 1, events);
    if (position === null) throw new Conflict(stream, expected, current);
    return { nextRevision: BigInt(wanted + events.length), position: BigInt(position), written: null };
  };

  const appendOne = db.transaction((job) => {
    const repeated = check(job.stream, job.events, job.expected);
    if (repeated) return repeated;
    const current = currentRevision.get(job.stream)?.revision;
    let revision = current === undefined ? -1 : current;
    let position = 0;
    const written = [];
    for (const event of job.events) {
      revision += 1;
      const info = insertEvent.run(event.id, job.stream, revision, event.type, event.data, event.metadata, job.created);
      position = Number(info.lastInsertRowid);
      written.push({ revision: BigInt(revision), position: BigInt(position) });
    }
    upsertRevision.run(job.stream, revision);
    return { nextRevision: BigInt(revision), position: BigInt(position), written };
  });

  /**
   * Group commit: the whole batch is one transaction (one fsync), each append in a savepoint of
   * its own, so a stream's revision check (or any error of one append) refuses only that append
   * and the others commit. A failure of the commit itself (disk full, I/O error) throws: no append
   * of the batch is written.
   */
  const writeBatch = db.transaction((jobs, mark) => {
    // A barrier (see `durable` in sqlite-append.ts): a write of its own, so that the batch commits,
    // and fsyncs the log, even when none of its appends writes.
    if (mark) bumpSyncMark.run();
    return jobs.map((job) => {
      try {
        return { ok: appendOne(job) };
      } catch (error) {
        if (error instanceof Conflict) return { conflict: error.details };
        return { failed: { message: error instanceof Error ? error.message : String(error) } };
      }
    });
  });
  return (jobs, mark) => writeBatch.immediate(jobs, mark);
}
