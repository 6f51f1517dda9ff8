import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  challengeDecider,
  challengeStream,
  type ChallengeIssuedData,
  type ChallengePurpose,
  type ChallengeState,
} from '../../domain/challenge/decider.js';
import { DomainError } from '../../domain/shared/errors.js';
import { CHALLENGES, challengeKey } from '../../projections/challenges.js';
import type { CommandHandler } from '../commands/handler.js';
import type { CommandContext } from '../events/codec.js';
import type { Written } from '../commands/handler.js';
import type { ProjectionRunner } from '../projections/runner.js';

export interface IssueOptions {
  purpose: ChallengePurpose;
  userId: string;
  ttlMs: number;
  maxAttempts?: number;
  secret?: string;
  emailClaim?: string | null;
  email?: string | null;
  totpSecret?: string | null;
  epoch?: number;
  inviteId?: string;
  username?: string | null;
  passkey?: ChallengeIssuedData['passkey'];
  userHandle?: string;
  sessionId?: string;
}

export interface Challenges {
  issue(options: IssueOptions, ctx: CommandContext): Promise<Written & { challengeId: string }>;
  /** The newest open challenge for a purpose and key, from the `challenges` read model. */
  latest(purpose: ChallengePurpose, key: string): Promise<string | null>;
  load(challengeId: string): Promise<ChallengeState>;
  /**
   * Answers a challenge: records a wrong answer (the last allowed one burns it) and then refuses
   * with `wrong`, or completes it. Expired, used and unknown challenges are refused (410/404).
   */
  answer(
    challengeId: string,
    matches: (state: ChallengeState) => boolean | Promise<boolean>,
    ctx: CommandContext,
    wrong: DomainError,
  ): Promise<Written & { state: ChallengeState }>;
  /** True when `secret` is the one the challenge was issued with (constant-time). */
  secretMatches(state: ChallengeState, secret: string): boolean;
  expire(challengeId: string, ctx: CommandContext): Promise<void>;
}

export function createChallenges(deps: {
  commands: CommandHandler;
  projections: ProjectionRunner;
  hmacKey: Buffer;
  clock: () => Date;
}): Challenges {
  // Codes have little entropy: keyed with a service secret, a stored hash reveals nothing.
  const secretHash = (challengeId: string, secret: string) =>
    createHmac('sha256', deps.hmacKey).update(`${challengeId}:${secret}`).digest('hex');

  return {
    async issue(options, ctx) {
      const challengeId = randomUUID();
      const data: ChallengeIssuedData = {
        challengeId,
        purpose: options.purpose,
        userId: options.userId,
        emailClaim: options.emailClaim ?? null,
        email: options.email ?? null,
        secretHash: options.secret === undefined ? null : secretHash(challengeId, options.secret),
        totpSecret: options.totpSecret ?? null,
        expiresAt: new Date(deps.clock().getTime() + options.ttlMs).toISOString(),
        maxAttempts: options.maxAttempts ?? 5,
        ...(options.epoch !== undefined ? { epoch: options.epoch } : {}),
        ...(options.inviteId !== undefined ? { inviteId: options.inviteId } : {}),
        ...(options.username !== undefined ? { username: options.username } : {}),
        ...(options.passkey !== undefined ? { passkey: options.passkey } : {}),
        ...(options.userHandle !== undefined ? { userHandle: options.userHandle } : {}),
        ...(options.sessionId !== undefined ? { sessionId: options.sessionId } : {}),
      };
      const result = await deps.commands.handle(
        challengeDecider,
        challengeStream(challengeId),
        (state) => challengeDecider.decide({ type: 'IssueChallenge', data }, state),
        ctx,
      );
      return { challengeId, position: result.position, events: result.events };
    },

    async latest(purpose, key) {
      const pointer = await deps.projections
        .collection('challenges', CHALLENGES)
        .findOne({ _id: challengeKey(purpose, key) });
      return (pointer?.challengeId as string | undefined) ?? null;
    },

    async load(challengeId) {
      return (await deps.commands.load(challengeDecider, challengeStream(challengeId))).state;
    },

    async answer(challengeId, matches, ctx, wrong) {
      const result = await deps.commands.handle(
        challengeDecider,
        challengeStream(challengeId),
        async (state) =>
          challengeDecider.decide(
            {
              type: 'AttemptChallenge',
              data: { now: deps.clock(), secretMatches: state.status === 'open' && (await matches(state)) },
            },
            state,
          ),
        ctx,
      );
      if (result.events.some((e) => e.type === 'ChallengeBurned')) {
        throw new DomainError('challenge_used', 'Too many wrong answers: this code is burned; ask for a new one');
      }
      if (result.events.some((e) => e.type === 'ChallengeAttemptFailed')) throw wrong;
      return { state: result.state, position: result.position, events: result.events };
    },

    secretMatches(state, secret) {
      const stored = state.issued?.secretHash;
      if (!stored) return false;
      return timingSafeEqual(
        Buffer.from(stored, 'hex'),
        Buffer.from(secretHash(state.issued!.challengeId, secret), 'hex'),
      );
    },

    async expire(challengeId, ctx) {
      await deps.commands.handle(
        challengeDecider,
        challengeStream(challengeId),
        (state) => challengeDecider.decide({ type: 'ExpireChallenge', data: { now: deps.clock() } }, state),
        ctx,
      );
    },
  };
}
