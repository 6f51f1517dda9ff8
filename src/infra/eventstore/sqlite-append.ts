/** Appending to the SQLite event store: EventStoreDB's revision checks and idempotence, and group commit. */
import type { SqliteDatabase } from '../sqlite/database.js';
import {
  WrongExpectedVersionError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
} from '../../ports/event-store.js';

/**
 * The store's append, on the events table (its schema already in place). `committed` is told of
 * every commit, with the events its appends wrote (a repeat writes none), before any of them is
 * answered.
 */
export function createAppend(
  db: SqliteDatabase,
  clock: () => Date,
  committed: (written: RecordedEvent[][]) => void,
): EventStore['append'] {
  const currentRevision = db.prepare<[string], { revision: number }>('SELECT revision FROM streams WHERE name = ?');
  const upsertRevision = db.prepare<[string, number]>(
    'INSERT INTO streams (name, revision) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET revision = excluded.revision',
  );
  const insertEvent = db.prepare<[string, string, number, string, string, string, string]>(
    'INSERT INTO events (id, stream, revision, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const findById = db.prepare<[string, string], { revision: number; position: number }>(
    'SELECT revision, position FROM events WHERE stream = ? AND id = ? ORDER BY revision LIMIT 1',
  );
  const eventAt = db.prepare<[string, number], { id: string; position: number }>(
    'SELECT id, position FROM events WHERE stream = ? AND revision = ?',
  );

  /** The events at revisions `from`, `from + 1`, … are these very ones: the last one's position, or null. */
  const sameEventsAt = (stream: string, from: number, events: NewEvent[]): number | null => {
    let position: number | null = null;
    for (let i = 0; i < events.length; i += 1) {
      const row = eventAt.get(stream, from + i);
      if (!row || row.id !== events[i]!.id) return null;
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
  const check = (stream: string, events: NewEvent[], expected: ExpectedRevision): AppendResult | null => {
    const current = currentRevision.get(stream)?.revision;
    const conflict = () =>
      new WrongExpectedVersionError(stream, expected, current === undefined ? 'no_stream' : BigInt(current));
    if (expected === 'stream_exists' && current === undefined) throw conflict();
    if (expected === 'any' || expected === 'stream_exists') {
      const first = findById.get(stream, events[0]!.id);
      if (!first) return null;
      const position = sameEventsAt(stream, first.revision, events);
      if (position === null) throw conflict();
      return { nextRevision: BigInt(first.revision + events.length - 1), position: BigInt(position) };
    }
    const wanted = expected === 'no_stream' ? -1 : Number(expected);
    const at = current ?? -1;
    if (wanted > at) throw conflict();
    if (wanted === at) return null;
    const position = sameEventsAt(stream, wanted + 1, events);
    if (position === null) throw conflict();
    return { nextRevision: BigInt(wanted + events.length), position: BigInt(position) };
  };

  const appendTransaction = db.transaction(
    (stream: string, events: NewEvent[], expected: ExpectedRevision): AppendResult & { written?: RecordedEvent[] } => {
      const repeated = check(stream, events, expected);
      if (repeated) return repeated;
      const current = currentRevision.get(stream)?.revision;
      let revision = current === undefined ? -1 : current;
      let position = 0;
      const createdAt = clock();
      const created = createdAt.toISOString();
      const written: RecordedEvent[] = [];
      for (const event of events) {
        revision += 1;
        const data = JSON.stringify(event.data);
        const metadata = JSON.stringify(event.metadata);
        const info = insertEvent.run(event.id, stream, revision, event.type, data, metadata, created);
        position = Number(info.lastInsertRowid);
        // As a reader would get it back (parsed from what was stored), for the recent-events tail.
        written.push({
          id: event.id,
          type: event.type,
          data: JSON.parse(data) as Record<string, unknown>,
          metadata: JSON.parse(metadata) as Record<string, unknown>,
          streamId: stream,
          revision: BigInt(revision),
          position: BigInt(position),
          created: new Date(createdAt.getTime()),
        });
      }
      upsertRevision.run(stream, revision);
      return { nextRevision: BigInt(revision), position: BigInt(position), written };
    },
  );

  /**
   * Group commit: the appends that arrive in the same turn of the event loop are written in one
   * transaction (one fsync), each in a savepoint of its own, so a stream's revision check refuses
   * only that append and the others commit. None is answered before the commit is on disk.
   */
  let waiting: {
    stream: string;
    events: NewEvent[];
    expected: ExpectedRevision;
    resolve: (result: AppendResult) => void;
    reject: (error: unknown) => void;
  }[] = [];
  const commitWaiting = () => {
    const batch = waiting;
    waiting = [];
    let outcomes: ({ result: AppendResult & { written?: RecordedEvent[] } } | { error: unknown })[];
    try {
      outcomes = db
        .transaction(() =>
          batch.map((job) => {
            try {
              return { result: appendTransaction(job.stream, job.events, job.expected) };
            } catch (error) {
              return { error };
            }
          }),
        )
        .immediate();
    } catch (error) {
      for (const job of batch) job.reject(error);
      return;
    }
    committed(
      outcomes.flatMap((outcome) => ('result' in outcome && outcome.result.written ? [outcome.result.written] : [])),
    );
    outcomes.forEach((outcome, i) => {
      if ('error' in outcome) return batch[i]!.reject(outcome.error);
      const { nextRevision, position } = outcome.result;
      batch[i]!.resolve({ nextRevision, position });
    });
  };

  return (stream, events, { expectedRevision }) => {
    if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
    return new Promise<AppendResult>((resolve, reject) => {
      if (waiting.push({ stream, events, expected: expectedRevision, resolve, reject }) === 1)
        setImmediate(commitWaiting);
    });
  };
}
