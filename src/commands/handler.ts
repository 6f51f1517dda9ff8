import type { Decider } from '../../domain/shared/decider.js';
import { DomainError } from '../../domain/shared/errors.js';
import { isWrongExpectedVersion, type EventStore } from '../ports/event-store.js';
import type { CommandContext, DomainEventLike, EventCodec } from '../events/codec.js';

export interface CommandResult<State, Event> {
  events: Event[];
  /** State after the new events. */
  state: State;
  /** Commit position of the last event appended, or null when nothing was appended. */
  position: bigint | null;
}

export interface CommandDeps {
  eventStore: EventStore;
  codec: EventCodec;
}

const ATTEMPTS = 5;

export async function loadState<Event, State>(
  deps: CommandDeps,
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  streamId: string,
): Promise<{ state: State; revision: bigint | null }> {
  const recorded = await deps.eventStore.readStream(streamId);
  let state = decider.initialState();
  for (const stored of recorded) {
    const decoded = await deps.codec.decode(stored);
    state = decider.evolve(state, { type: decoded.type, data: decoded.data } as Event);
  }
  return { state, revision: recorded.length ? recorded[recorded.length - 1]!.revision : null };
}

/**
 * Load the stream, fold it, decide, append with the revision read; on a conflict read again and
 * decide again. `decide` may be async, for facts that need I/O against the state (a password).
 */
export async function handleCommand<Event extends DomainEventLike, State>(
  deps: CommandDeps,
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  streamId: string,
  decide: (state: State) => Event[] | Promise<Event[]>,
  context: CommandContext,
): Promise<CommandResult<State, Event>> {
  for (let attempt = 1; ; attempt += 1) {
    const { state, revision } = await loadState(deps, decider, streamId);
    const events = await decide(state);
    if (events.length === 0) return { events, state, position: null };
    const encoded = await deps.codec.encode(streamId, events, context, revision === null ? 0n : revision + 1n);
    try {
      const result = await deps.eventStore.append(streamId, encoded, {
        expectedRevision: revision === null ? 'no_stream' : revision,
      });
      return { events, state: events.reduce(decider.evolve, state), position: result.position };
    } catch (error) {
      if (!isWrongExpectedVersion(error)) throw error;
      if (attempt >= ATTEMPTS) throw new DomainError('conflict', 'The account changed at the same time; try again');
    }
  }
}
