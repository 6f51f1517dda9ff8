import { createHmac } from 'node:crypto';
import { claimDecider, type ClaimKind, type OwnerStanding } from '../../domain/unique/decider.js';
import { DomainError, isDomainError } from '../../domain/shared/errors.js';
import { claimsGivenUp, heldClaims, userDecider } from '../../domain/user/decider.js';
import { userStream, type UserEvent } from '../../domain/user/events.js';
import type { CommandHandler } from '../commands/handler.js';
import type { CommandContext } from '../events/codec.js';
import type { EventStore } from '../ports/event-store.js';

/** Every other kind is a linked identity's: its login method words the message (`identityAccounts`). */
const TAKEN: Record<string, [DomainError['code'], string]> = {
  username: ['username_taken', 'This username is taken'],
  email: ['email_taken', 'This email address is taken'],
  setup: ['conflict', 'The service is already set up'],
};
const IDENTITY_TAKEN: [DomainError['code'], string] = ['identity_taken', 'This identity belongs to another account'];

export interface Claims {
  /** The claim stream of a value; the name holds only an HMAC, never the value. */
  streamOf(kind: ClaimKind, normalizedValue: string): string;
  /** Claims the value for `owner`, taking over a claim its owner never took up or gave up. */
  claim(kind: ClaimKind, normalizedValue: string, owner: string, context: CommandContext): Promise<string>;
  release(stream: string, owner: string, context: CommandContext): Promise<void>;
  /** The owner of a claim and what its stream says of it, or null when nobody holds it. */
  holder(stream: string): Promise<{ owner: string; standing: OwnerStanding } | null>;
}

export function createClaims(deps: {
  eventStore: EventStore;
  commands: CommandHandler;
  hmacKey: Buffer;
  clock: () => Date;
  graceMs: number;
}): Claims {
  const streamOf = (kind: ClaimKind, value: string) =>
    `unique-${kind}-${createHmac('sha256', deps.hmacKey).update(`${kind}:${value}`).digest('hex')}`;

  /** The owner's stream is the truth about a claim; only a contested claim needs this look. */
  const standing = async (owner: string, stream: string): Promise<OwnerStanding> => {
    const { state } = await deps.commands.load(userDecider, userStream(owner));
    if (state.status === 'none') return 'pending';
    if (heldClaims(state).includes(stream)) return 'holds';
    const [claimed] = await deps.eventStore.readStream(stream, { direction: 'backwards', maxCount: 1 });
    const history = await deps.eventStore.readStream(userStream(owner));
    // Claim fields are never sealed, so the raw events answer this without a key.
    const gaveUp = history.some(
      (e) =>
        claimed !== undefined &&
        e.position > claimed.position &&
        claimsGivenUp(e as unknown as UserEvent).includes(stream),
    );
    return gaveUp ? 'gone' : 'pending';
  };

  return {
    streamOf,
    async claim(kind, value, owner, context) {
      const stream = streamOf(kind, value);
      try {
        await deps.commands.handle(
          claimDecider,
          stream,
          async (state) => {
            const ownerStanding = state.owner && state.owner !== owner ? await standing(state.owner, stream) : 'holds';
            return claimDecider.decide(
              { type: 'Claim', data: { owner, now: deps.clock(), graceMs: deps.graceMs, standing: ownerStanding } },
              state,
            );
          },
          context,
        );
      } catch (error) {
        if (isDomainError(error) && error.code === 'conflict')
          throw new DomainError(...(TAKEN[kind] ?? IDENTITY_TAKEN));
        throw error;
      }
      return stream;
    },
    async release(stream, owner, context) {
      await deps.commands.handle(
        claimDecider,
        stream,
        (state) => claimDecider.decide({ type: 'Release', data: { owner } }, state),
        context,
      );
    },
    async holder(stream) {
      const { state } = await deps.commands.load(claimDecider, stream);
      return state.owner ? { owner: state.owner, standing: await standing(state.owner, stream) } : null;
    },
  };
}
