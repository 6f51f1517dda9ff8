/** Between the port and `@eventstore/db-client`: expected revisions, positions and their order, recorded events. */
import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type Position,
  type RecordedEvent as EsdbRecordedEvent,
  type ResolvedEvent,
} from '@eventstore/db-client';
import type { EventMetadata, ExpectedRevision, RecordedEvent } from '../../ports/event-store.js';

export const toEsdbRevision = (expected: ExpectedRevision): AppendExpectedRevision => {
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

/**
 * Older servers say "no position" (a stream read before 22.6, some append results) with -1, which
 * arrives as 2^64 - 1 in the protocol's unsigned fields: that is no position, not the last one.
 */
const UNKNOWN = 2n ** 64n - 1n;
export const knownPosition = (position: Position | undefined): Position | undefined =>
  position && position.commit !== UNKNOWN && position.commit >= 0n ? position : undefined;

export const positionOf = (resolved: ResolvedEvent | AllStreamResolvedEvent): Position | undefined => {
  const position = knownPosition(resolved.event?.position);
  if (position) return position;
  const commit = resolved.commitPosition;
  return commit === undefined || commit === UNKNOWN || commit < 0n ? undefined : { commit, prepare: commit };
};

/** Full (commit, prepare) pairs in log order (see Positions in esdb.ts). */
export const comparePositions = (a: Position, b: Position): number =>
  a.commit !== b.commit ? (a.commit < b.commit ? -1 : 1) : a.prepare === b.prepare ? 0 : a.prepare < b.prepare ? -1 : 1;

export const isSystemEvent = (event: EsdbRecordedEvent): boolean =>
  event.streamId.startsWith('$') || event.type.startsWith('$');

export const toRecorded = (event: EsdbRecordedEvent, position: bigint): RecordedEvent => ({
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
