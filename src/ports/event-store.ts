/** The event store port: EventStoreDB semantics, whatever the adapter. */

export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | bigint;

export interface EventMetadata {
  $correlationId?: string;
  $causationId?: string;
  actor?: string | null;
  /** Sealed (personal data) when present. */
  ip?: unknown;
  /** Sealed (personal data) when present. */
  userAgent?: unknown;
  schemaVersion?: number;
  [key: string]: unknown;
}

/** An event about to be appended. `id` is its idempotency key. */
export interface NewEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

export interface RecordedEvent extends NewEvent {
  streamId: string;
  revision: bigint;
  /**
   * Global, strictly increasing over the whole store. -1n in a stream read from an EventStoreDB
   * older than 22.6, which does not say (reads of $all and subscriptions always carry it).
   */
  position: bigint;
  created: Date;
}

export interface AppendResult {
  /** Revision of the last event now in the stream. */
  nextRevision: bigint;
  /** Commit position of the last event appended. */
  position: bigint;
}

export interface ReadStreamOptions {
  fromRevision?: bigint;
  direction?: 'forwards' | 'backwards';
  maxCount?: number;
}

export interface AllFilter {
  /** Only events of streams whose names start with one of these. */
  streamPrefixes?: string[];
  /** Only events of these types. */
  eventTypes?: string[];
}

export interface ReadAllOptions {
  /**
   * Exclusive: reading starts after this position. Omit (or 0n) to start at the beginning.
   * Only 0n or a position this store handed out (an event's, an append's, the head) may be given:
   * EventStoreDB refuses a position that is not a record boundary.
   */
  fromPosition?: bigint;
  filter?: AllFilter;
  maxCount?: number;
}

export interface SubscribeAllOptions {
  /** Exclusive, as in EventStoreDB; as in `ReadAllOptions`, only 0n or a position this store handed out. */
  fromPosition?: bigint;
  filter?: AllFilter;
}

export interface Subscription {
  /** Stops delivery; resolves once no handler call is in flight. */
  stop(): Promise<void>;
  /** Rejects when delivery fails for good (the handler threw, or the store went away). */
  readonly done: Promise<void>;
}

/** Called for each event in order; the next one waits until the promise settles. */
export type EventHandler = (event: RecordedEvent) => Promise<void> | void;

export interface EventStore {
  /**
   * EventStoreDB's rules. `expectedRevision` ahead of the stream: a conflict. Equal to it: the
   * events are appended — even ids the stream already holds (no idempotence check there). Behind
   * it (`no_stream` is -1): a retry, answered as the first time without writing if the events
   * after it are these very ones, else a conflict. `any`/`stream_exists`: appended unless the
   * first id is in the stream, then the same retry rule (a partial repeat is a conflict). So a
   * caller retries an append with the revision it first sent, never with a newer one.
   */
  append(stream: string, events: NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult>;
  /** Events of one stream in order; an empty array when the stream does not exist. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catch-up from `fromPosition`, then live, with no gap and no duplicate. */
  subscribeAll(options: SubscribeAllOptions, handler: EventHandler): Subscription;
  /** Position of the newest event in the store (0n when empty). */
  headPosition(): Promise<bigint>;
  /**
   * Which store this is (`sqlite:<id>`, `eventstoredb:<id>`), the same for its whole life: a
   * position means something only to the store that handed it out, so checkpoints record this.
   */
  identity(): Promise<string>;
  close(): Promise<void>;
}

/** The typed conflict of an append whose expected revision did not hold. */
export class WrongExpectedVersionError extends Error {
  readonly code = 'wrong_expected_version';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no_stream',
  ) {
    super(`Wrong expected version on ${stream}: expected ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedVersionError';
  }
}

/**
 * The store cannot take writes at all (the embedded store's append thread is gone): the service
 * answers 503 and is not ready until it is restarted.
 */
export class EventStoreUnavailableError extends Error {
  readonly code = 'event_store_unavailable';
  constructor(message: string) {
    super(message);
    this.name = 'EventStoreUnavailableError';
  }
}

export const isEventStoreUnavailable = (error: unknown): error is EventStoreUnavailableError =>
  error instanceof EventStoreUnavailableError;

export const isWrongExpectedVersion = (error: unknown): error is WrongExpectedVersionError =>
  error instanceof WrongExpectedVersionError ||
  (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'wrong_expected_version');

/** Empty lists mean "no filter", as in the SQLite adapter's SQL. */
export const matchesFilter = (streamId: string, type: string, filter?: AllFilter): boolean => {
  if (!filter) return true;
  if (filter.streamPrefixes?.length && !filter.streamPrefixes.some((p) => streamId.startsWith(p))) return false;
  if (filter.eventTypes?.length && !filter.eventTypes.includes(type)) return false;
  return true;
};
