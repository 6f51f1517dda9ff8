import { createHmac } from 'node:crypto';
import { claimDecider, type ClaimKind, type OwnerStanding } from '../../domain/unique/decider.js';
import { DomainError, isDomainError } from '../../domain/shared/errors.js';
import { heldClaims, userDecider } from '../../domain/user/decider.js';
import { userStream } from '../../domain/user/events.js';
import { handleCommand, loadState, type CommandDeps } from '../commands/handler.js';
import type { CommandContext } from '../events/codec.js';

const TAKEN: Record<ClaimKind, DomainError['code']> = { username: 'username_taken', email: 'email_taken', setup: 'conflict' };
const TAKEN_MESSAGE: Record<ClaimKind, string> = {
  username: 'This username is taken',
  email: 'This email address is taken',
  setup: 'The service is already set up',
};

export interface Claims {
  /** The claim stream of a value; the name holds only an HMAC, never the value. */
  streamOf(kind: ClaimKind, normalizedValue: string): string;
  /** Claims the value for `owner`, taking over a claim whose owner never appeared or moved on. */
  claim(kind: ClaimKind, normalizedValue: string, owner: string, context: CommandContext): Promise<string>;
  release(stream: string, owner: string, context: CommandContext): Promise<void>;
}

export function createClaims(deps: CommandDeps & { hmacKey: Buffer; clock: () => Date; graceMs: number }): Claims {
  const streamOf = (kind: ClaimKind, value: string) =>
    `unique-${kind}-${createHmac('sha256', deps.hmacKey).update(`${kind}:${value}`).digest('hex')}`;

  /** What the current owner's stream says of the claim: the owner's stream is the truth. */
  const standing = async (owner: string, stream: string): Promise<OwnerStanding> => {
    const { state } = await loadState(deps, userDecider, userStream(owner));
    if (state.status === 'none') return 'never_appeared';
    return heldClaims(state).includes(stream) ? 'holds' : 'gone';
  };

  return {
    streamOf,
    async claim(kind, value, owner, context) {
      const stream = streamOf(kind, value);
      try {
        await handleCommand(deps, claimDecider, stream, async (state) => {
          const ownerStanding = state.owner && state.owner !== owner ? await standing(state.owner, stream) : 'holds';
          return claimDecider.decide(
            { type: 'Claim', data: { owner, now: deps.clock(), graceMs: deps.graceMs, standing: ownerStanding } },
            state,
          );
        }, context);
      } catch (error) {
        if (isDomainError(error) && error.code === 'conflict') throw new DomainError(TAKEN[kind], TAKEN_MESSAGE[kind]);
        throw error;
      }
      return stream;
    },
    async release(stream, owner, context) {
      await handleCommand(deps, claimDecider, stream, (state) => claimDecider.decide({ type: 'Release', data: { owner } }, state), context);
    },
  };
}
