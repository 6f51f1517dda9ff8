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
 * skips that whole transaction at once, on the server and here alike, and the ordering checks below
 * compare full (commit, prepare) pairs so they never drop such events; their port positions repeat.
 *
 * Reads of $all from a position are inclusive on the server and subscriptions are exclusive; both
 * are made exclusive here by skipping anything at or before the position asked for. KurrentDB
 * rejects a position that is not a record boundary: only positions this adapter handed out (event
 * positions, append results) or 0n may be passed back.
 */
import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type Direction,
  type Filter,
  type Position,
  type ReadPosition,
  type RecordedEvent as EsdbRecordedEvent,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  WrongExpectedVersionError,
  matchesFilter,
  type AllFilter,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type RecordedEvent,
  type Subscription,
} from '../../ports/event-store.js';

const READ_PAGE = 1000;
const HEAD_PAGE = 100;

const toEsdbRevision = (expected: ExpectedRevision): AppendExpectedRevision => {
  switch (expected) {
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    case 'any':
      return ANY;
    default:
      return expected;
  }
};

/** Data and metadata of our events are JSON objects; anything else (foreign events) reads as {}. */
const asObject = (value: unknown): Record<string, unknown> => {
  let parsed = value;
  if (parsed instanceof Uint8Array) {
    try {
      parsed = JSON.parse(Buffer.from(parsed).toString('utf8'));
    } catch {
      return {};
    }
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : {};
};

const positionOf = (resolved: ResolvedEvent | AllStreamResolvedEvent): Position | undefined => {
  if (resolved.event?.position) return resolved.event.position;
  const commit = resolved.commitPosition;
  return commit === undefined ? undefined : { commit, prepare: commit };
};

const comparePositions = (a: Position, b: Position): number =>
  a.commit !== b.commit ? (a.commit < b.commit ? -1 : 1) : a.prepare === b.prepare ? 0 : a.prepare < b.prepare ? -1 : 1;

const isSystemEvent = (event: EsdbRecordedEvent): boolean =>
  event.streamId.startsWith('$') || event.type.startsWith('$');

const toRecorded = (event: EsdbRecordedEvent, position: bigint): RecordedEvent => ({
  id: event.id,
  type: event.type,
  data: asObject(event.data),
  metadata: asObject(event.metadata) as EventMetadata,
  streamId: event.streamId,
  revision: event.revision,
  position,
  // 6.x converts the server's .NET ticks into a Date already.
  created: event.created,
});

/** One server-side filter per subscription; `matchesFilter` still applies the whole filter exactly. */
const serverFilter = (filter: AllFilter | undefined): Filter => {
  if (filter?.streamPrefixes?.length) return streamNameFilter({ prefixes: filter.streamPrefixes });
  // Prefix matching over-selects (`A` also matches `AB`); the exact check happens client-side.
  if (filter?.eventTypes?.length) return eventTypeFilter({ prefixes: filter.eventTypes });
  return excludeSystemEvents();
};

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

  const headPosition = async (): Promise<bigint> => {
    let before: Position | undefined;
    for (;;) {
      const page = await readAllPage(before ?? END, BACKWARDS, HEAD_PAGE);
      let advanced = false;
      for (const resolved of page) {
        const position = positionOf(resolved);
        if (!resolved.event || !position) continue;
        if (before && comparePositions(position, before) >= 0) continue;
        before = position;
        advanced = true;
        if (!isSystemEvent(resolved.event)) return position.commit;
      }
      if (page.length < HEAD_PAGE || !advanced) return 0n;
    }
  };

  /** Fallback for an append result without a position (e.g. an idempotent repeat on some servers). */
  const lastPositionOf = async (stream: string): Promise<bigint> => {
    for await (const resolved of client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
      const position = positionOf(resolved);
      if (position) return position.commit;
    }
    return headPosition();
  };

  // Fail at start rather than at the first request when the URL or the server is wrong.
  try {
    await readAllPage(END, BACKWARDS, 1);
  } catch (error) {
    await client.dispose();
    throw error;
  }

  return {
    async append(stream, events, { expectedRevision }) {
      if (events.length === 0) throw new Error('append needs at least one event');
      let result;
      try {
        result = await client.appendToStream(
          stream,
          events.map((event) => jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: event.metadata })),
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
        position: result.position?.commit ?? (await lastPositionOf(stream)),
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
          // Stream reads carry positions from EventStoreDB 22.6 on; -1n marks an older server.
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
      const pageSize =
        maxCount === undefined || filter ? READ_PAGE : Math.max(2, Math.min(READ_PAGE, maxCount + 1));
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

    subscribeAll({ fromPosition = 0n, filter }, handler) {
      const sub = client.subscribeToAll({
        fromPosition: fromPosition > 0n ? { commit: fromPosition, prepare: fromPosition } : START,
        filter: serverFilter(filter),
        resolveLinkTos: false,
      });
      // Errors reach the loop through its iterator; this keeps a late one (after teardown) from
      // becoming an uncaught 'error' event.
      sub.on('error', () => undefined);

      let last: Position | undefined = fromPosition > 0n ? { commit: fromPosition, prepare: fromPosition } : undefined;
      let stopRequested = false;
      let tornDown = false;
      const teardown = async () => {
        if (tornDown) return;
        tornDown = true;
        try {
          await sub.unsubscribe();
        } catch {
          // The call may already have failed; there is nothing left to cancel.
        }
        // Ends the iteration even when no event is pending.
        sub.destroy();
      };

      const run = async (): Promise<void> => {
        let failure: { error: unknown } | undefined;
        try {
          for await (const resolved of sub) {
            if (stopRequested) break;
            const position = positionOf(resolved);
            if (!resolved.event || !position) continue;
            if (last && comparePositions(position, last) <= 0) continue;
            last = position;
            if (isSystemEvent(resolved.event) || !matchesFilter(resolved.event.streamId, resolved.event.type, filter)) {
              continue;
            }
            try {
              await handler(toRecorded(resolved.event, position.commit));
            } catch (error) {
              failure = { error };
              break;
            }
          }
          if (!failure && !stopRequested) failure = { error: new Error('The $all subscription ended unexpectedly') };
        } catch (error) {
          // Tearing the stream down in stop() may surface as a premature close: not a failure.
          if (!stopRequested) failure = { error };
        } finally {
          active.delete(subscription);
          await teardown();
        }
        if (failure) throw failure.error;
      };

      const done = run();
      // `done` is for the caller to observe; an unobserved rejection must not crash the process.
      done.catch(() => undefined);
      const subscription: Subscription = {
        done,
        async stop() {
          stopRequested = true;
          await teardown();
          await done.catch(() => undefined);
        },
      };
      active.add(subscription);
      return subscription;
    },

    headPosition,

    async close() {
      await Promise.all([...active].map((subscription) => subscription.stop()));
      await client.dispose();
    },
  };
}
