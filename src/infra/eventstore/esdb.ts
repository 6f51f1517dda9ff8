/**
 * The production event store: EventStoreDB / KurrentDB through `@eventstore/db-client` (gRPC).
 *
 * Positions. The port's position is the ESDB commit position of an event. Since EventStoreDB 20
 * a gRPC append is written as an implicit transaction: one prepare record per event, each flagged
 * IsCommitted, and no separate commit record. Reading $all, the server gives each of those events
 * commit = prepare = its own log position (AllReader: `new CommitEventRecord(eventRecord,
 * eventRecord.LogPosition)`), so the events of one multi-event append do NOT share a commit
 * position: it is unique and strictly increasing, and `{commit: p, prepare: p}` is the full $all
 * position of the event at p, which is what we hand back to the server to resume after it. The
 * append result carries the log position of the append's last prepare (the chaser acknowledges the
 * TransactionEnd prepare), i.e. the commit position of the last event appended.
 * Only legacy explicit transactions (TCP client API; this service never writes one) put several
 * events under one commit position C with smaller prepare positions. Resuming from `{C, C}` then
 * skips that whole transaction at once, on the server and here alike, and the ordering checks
 * (comparePositions, in esdb-mapping.ts) compare full (commit, prepare) pairs so they never drop
 * such events; their port positions repeat.
 *
 * Reads of $all from a position are inclusive on the server and subscriptions are exclusive; both
 * are made exclusive here (and in esdb-subscription.ts) by skipping anything at or before the
 * position asked for. KurrentDB rejects a position that is not a record boundary: only positions
 * this adapter handed out (event positions, append results) or 0n may be passed back.
 */
import {
  AccessDeniedError,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  jsonEvent,
  type AllStreamResolvedEvent,
  type Direction,
  type Position,
  type ReadPosition,
} from '@eventstore/db-client';
import {
  WrongExpectedVersionError,
  matchesFilter,
  type EventStore,
  type RecordedEvent,
  type Subscription,
} from '../../ports/event-store.js';
import { esdbHead } from './esdb-head.js';
import { esdbIdentity } from './esdb-identity.js';
import {
  comparePositions,
  isSystemEvent,
  knownPosition,
  positionOf,
  toEsdbRevision,
  toRecorded,
} from './esdb-mapping.js';
import { subscribeToAll } from './esdb-subscription.js';

const READ_PAGE = 1000;

export async function openEsdbEventStore(connectionString: string): Promise<EventStore> {
  const client = EventStoreDBClient.connectionString(connectionString);
  const active = new Set<Subscription>();

  /** A bounded page, read to its end so that no gRPC call is left open. */
  const readAllPage = async (from: ReadPosition, direction: Direction, maxCount: number) => {
    const page: AllStreamResolvedEvent[] = [];
    for await (const resolved of client.readAll({ fromPosition: from, direction, maxCount, resolveLinkTos: false })) {
      page.push(resolved);
    }
    return page;
  };

  const headPosition = esdbHead(readAllPage);

  /** Fallback for an append result without a position (e.g. an idempotent repeat on some servers). */
  const lastPositionOf = async (stream: string): Promise<bigint> => {
    for await (const resolved of client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
      const position = positionOf(resolved);
      if (position) return position.commit;
    }
    return headPosition();
  };

  // Fail at start rather than at the first request when the URL or the server is wrong, or when
  // the user may not read $all (a secured cluster gives that to $admins, or by the $all ACL).
  let identity: string;
  try {
    await readAllPage(END, BACKWARDS, 1);
    identity = await esdbIdentity(client);
  } catch (error) {
    await client.dispose();
    if (error instanceof AccessDeniedError)
      throw new Error(
        'EventStoreDB refused to let the user in EVENTSTORE_URL read $all (or the metadata of the stream accounts-store). ' +
          'This service reads every event: give that user the $admins role, or read and metadata rights on $all ' +
          '($all ACL) and on accounts-store.',
      );
    throw error;
  }

  return {
    identity: async () => identity,

    async append(stream, events, { expectedRevision }) {
      if (events.length === 0) throw new Error('append needs at least one event');
      let result;
      try {
        result = await client.appendToStream(
          stream,
          events.map((event) =>
            jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: event.metadata }),
          ),
          { expectedRevision: toEsdbRevision(expectedRevision) },
        );
      } catch (error) {
        if (error instanceof EsdbWrongExpectedVersionError) {
          throw new WrongExpectedVersionError(stream, expectedRevision, error.actualVersion);
        }
        throw error;
      }
      // Only with `throwOnAppendFailure=false` in the connection string: the conflict comes back as a value.
      if (!result.success) {
        const actual = result.nextExpectedRevision < 0n ? 'no_stream' : result.nextExpectedRevision;
        throw new WrongExpectedVersionError(stream, expectedRevision, actual);
      }
      return {
        nextRevision: result.nextExpectedRevision,
        position: knownPosition(result.position)?.commit ?? (await lastPositionOf(stream)),
      };
    },

    async readStream(stream, options = {}) {
      if (options.maxCount !== undefined && options.maxCount <= 0) return [];
      const backwards = options.direction === 'backwards';
      const read = client.readStream(stream, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: options.fromRevision ?? (backwards ? END : START),
        maxCount: options.maxCount,
        resolveLinkTos: false,
      });
      const events: RecordedEvent[] = [];
      try {
        for await (const resolved of read) {
          if (!resolved.event) continue;
          // Stream reads carry positions from EventStoreDB 22.6 on; -1n (the port's "unknown") before.
          events.push(toRecorded(resolved.event, positionOf(resolved)?.commit ?? -1n));
        }
      } catch (error) {
        if (error instanceof StreamNotFoundError) return [];
        throw error;
      }
      return events;
    },

    async readAll(options = {}) {
      const { fromPosition = 0n, filter, maxCount } = options;
      if (maxCount !== undefined && maxCount <= 0) return [];
      // maxCount counts events after filtering, so a filtered read may need several pages.
      const pageSize = maxCount === undefined || filter ? READ_PAGE : Math.max(2, Math.min(READ_PAGE, maxCount + 1));
      let after: Position | undefined = fromPosition > 0n ? { commit: fromPosition, prepare: fromPosition } : undefined;
      const events: RecordedEvent[] = [];
      for (;;) {
        const page = await readAllPage(after ?? START, FORWARDS, pageSize);
        let advanced = false;
        for (const resolved of page) {
          const position = positionOf(resolved);
          if (!resolved.event || !position) continue;
          if (after && comparePositions(position, after) <= 0) continue;
          after = position;
          advanced = true;
          if (isSystemEvent(resolved.event) || !matchesFilter(resolved.event.streamId, resolved.event.type, filter)) {
            continue;
          }
          events.push(toRecorded(resolved.event, position.commit));
          if (maxCount !== undefined && events.length >= maxCount) return events;
        }
        if (page.length < pageSize || !advanced) return events;
      }
    },

    subscribeAll: (options, handler) => subscribeToAll(client, active, options, handler),

    headPosition,

    async close() {
      await Promise.all([...active].map((subscription) => subscription.stop()));
      await client.dispose();
    },
  };
}
