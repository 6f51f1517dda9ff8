import type { Decider } from '../../domain/shared/decider.js';
import { DomainError, isDomainError } from '../../domain/shared/errors.js';
import { isWrongExpectedVersion, type EventStore, type RecordedEvent } from '../ports/event-store.js';
import type { CommandContext, DecodedEvent, DomainEventLike, EventCodec } from '../events/codec.js';
import { BoundedCache } from '../bounded-cache.js';

/** What a command appended, as far as read-your-writes cares: its position and its event types. */
export interface Written {
  position: bigint | null;
  events: readonly { type: string }[];
}

export interface CommandResult<State, Event> {
  events: Event[];
  /** State after the new events. */
  state: State;
  /** Commit position of the last event appended, or null when nothing was appended. */
  position: bigint | null;
}

type Folding<Event, State> = Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>;

interface Cached {
  decider: Folding<any, any>;
  state: unknown;
  revision: bigint;
}

export interface Loaded<State> {
  state: State;
  revision: bigint | null;
  /** The events read to get here beyond the cached state (all of them on a cold cache). */
  fresh: DecodedEvent[];
}

const ATTEMPTS = 10;
const CACHE_LIMIT = 20_000;

const isKeyDestroyed = (error: unknown) => (error as { code?: unknown } | null)?.code === 'key_destroyed';
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));

/**
 * Commands on event streams. Folded states are cached by stream and revision, so a command reads
 * only the events appended since the last one (by this process or any other) — the cost of a
 * command does not grow with the account's history.
 */
/** What became of one command, for metrics: its aggregate (the stream's category) and outcome. */
export interface CommandOutcome {
  aggregate: string;
  outcome: 'appended' | 'unchanged' | 'refused' | 'failed';
  code?: string;
  events: DomainEventLike[];
}

export class CommandHandler {
  private readonly cache = new BoundedCache<string, Cached>(CACHE_LIMIT);
  /** Per stream, the end of the last command's turn in this process. */
  private readonly turns = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: { eventStore: EventStore; codec: EventCodec; observe?: (outcome: CommandOutcome) => void },
  ) {}

  private remember(streamId: string, entry: Cached) {
    this.cache.set(streamId, entry);
  }

  async load<Event, State>(decider: Folding<Event, State>, streamId: string): Promise<Loaded<State>> {
    const cached = this.cache.get(streamId);
    const usable = cached && cached.decider === decider ? cached : undefined;
    const recorded: RecordedEvent[] = await this.deps.eventStore.readStream(
      streamId,
      usable ? { fromRevision: usable.revision + 1n } : {},
    );
    let state = (usable?.state as State | undefined) ?? decider.initialState();
    const fresh: DecodedEvent[] = [];
    for (const stored of recorded) {
      const decoded = await this.deps.codec.decode(stored);
      fresh.push(decoded);
      state = decider.evolve(state, { type: decoded.type, data: decoded.data } as Event);
    }
    const revision = recorded.length ? recorded[recorded.length - 1]!.revision : (usable?.revision ?? null);
    if (revision !== null) this.remember(streamId, { decider, state, revision });
    return { state, revision, fresh };
  }

  /**
   * Load the stream, fold it, decide, append with the revision read; on a conflict read again and
   * decide again. `decide` may be async, for facts that need I/O against the state (a password):
   * such facts should be memoised by the caller so a retry does not pay for them twice.
   */
  async handle<Event extends DomainEventLike, State>(
    decider: Folding<Event, State>,
    streamId: string,
    decide: (state: State) => Event[] | Promise<Event[]>,
    context: CommandContext,
  ): Promise<CommandResult<State, Event>> {
    const observe = this.deps.observe;
    if (!observe) return this.takingTurns(streamId, () => this.run(decider, streamId, decide, context));
    const aggregate = streamId.slice(0, Math.max(0, streamId.indexOf('-'))) || streamId;
    try {
      const result = await this.takingTurns(streamId, () => this.run(decider, streamId, decide, context));
      observe({ aggregate, outcome: result.events.length ? 'appended' : 'unchanged', events: result.events });
      return result;
    } catch (error) {
      const refused = isDomainError(error);
      observe({
        aggregate,
        outcome: refused ? 'refused' : 'failed',
        code: refused ? error.code : undefined,
        events: [],
      });
      throw error;
    }
  }

  /**
   * Commands on one stream in this process take turns: each reads the stream after the last one's
   * append was answered, so they do not conflict with each other. The appends are committed off the
   * event loop, so fifty requests on one account are all in hand at once: racing, they would all
   * read one revision, and each commit would let one of them through and send the rest to retry.
   * Other processes are still met by the revision check and the retries below. A decision never runs
   * a command on its own stream (it would wait for its own turn); nothing marks a nested command,
   * since `AsyncLocalStorage` would switch on promise hooks that tax every await of every request.
   */
  private async takingTurns<T>(streamId: string, command: () => Promise<T>): Promise<T> {
    const previous = this.turns.get(streamId);
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const end = previous ? previous.then(() => mine) : mine;
    this.turns.set(streamId, end);
    try {
      await previous;
      return await command();
    } finally {
      done();
      if (this.turns.get(streamId) === end) this.turns.delete(streamId);
    }
  }

  private async run<Event extends DomainEventLike, State>(
    decider: Folding<Event, State>,
    streamId: string,
    decide: (state: State) => Event[] | Promise<Event[]>,
    context: CommandContext,
  ): Promise<CommandResult<State, Event>> {
    for (let attempt = 1; ; attempt += 1) {
      const { state, revision } = await this.load(decider, streamId);
      const events = await decide(state);
      if (events.length === 0) return { events, state, position: null };
      try {
        const encoded = await this.deps.codec.encode(streamId, events, context, revision === null ? 0n : revision + 1n);
        const result = await this.deps.eventStore.append(streamId, encoded, {
          expectedRevision: revision === null ? 'no_stream' : revision,
        });
        const next = events.reduce(decider.evolve, state);
        this.remember(streamId, { decider, state: next, revision: result.nextRevision });
        return { events, state: next, position: result.position };
      } catch (error) {
        // A conflict, or the account's key destroyed by a deletion in between: the stream has
        // moved on; read it again and let the decider answer from what it holds now.
        if (!isWrongExpectedVersion(error) && !isKeyDestroyed(error)) throw error;
        if (attempt >= ATTEMPTS) throw new DomainError('conflict', 'The account changed at the same time; try again');
        await pause(attempt);
      }
    }
  }
}
