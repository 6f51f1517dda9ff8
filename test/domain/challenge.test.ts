import { describe, it } from 'vitest';
import { challengeDecider, type ChallengeEvent, type ChallengeIssuedData } from '../../domain/challenge/decider.js';
import { specFor } from '../support/decider.js';

const given = specFor(challengeDecider);
const t0 = new Date('2026-06-01T12:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const data: ChallengeIssuedData = {
  challengeId: 'c1',
  purpose: 'email_code',
  userId: 'u1',
  emailClaim: 'e',
  email: null,
  secretHash: 'h',
  totpSecret: null,
  expiresAt: at(600_000).toISOString(),
  maxAttempts: 3,
};
const issued: ChallengeEvent = { type: 'ChallengeIssued', data };
const attempt = (secretMatches: boolean, when = at(1000)) => ({
  type: 'AttemptChallenge' as const,
  data: { now: when, secretMatches },
});

describe('challenge decider', () => {
  it('issues once', () => {
    given([]).when({ type: 'IssueChallenge', data }).then([issued]);
    given([issued]).when({ type: 'IssueChallenge', data }).thenRefuses('conflict');
  });
  it('completes with the right secret', () =>
    given([issued])
      .when(attempt(true))
      .then([{ type: 'ChallengeCompleted', data: {} }]));
  it('records a wrong answer', () =>
    given([issued])
      .when(attempt(false))
      .then([{ type: 'ChallengeAttemptFailed', data: { attempt: 1 } }]));
  it('the last allowed wrong answer burns it', () =>
    given([
      issued,
      { type: 'ChallengeAttemptFailed', data: { attempt: 1 } },
      { type: 'ChallengeAttemptFailed', data: { attempt: 2 } },
    ])
      .when(attempt(false))
      .then([
        { type: 'ChallengeAttemptFailed', data: { attempt: 3 } },
        { type: 'ChallengeBurned', data: { attempts: 3 } },
      ]));
  it('refuses a used or burned challenge with challenge_used', () => {
    given([issued, { type: 'ChallengeCompleted', data: {} }])
      .when(attempt(true))
      .thenRefuses('challenge_used');
    given([issued, { type: 'ChallengeBurned', data: { attempts: 3 } }])
      .when(attempt(true))
      .thenRefuses('challenge_used');
  });
  it('refuses after its expiry even before the expiry is recorded', () =>
    given([issued])
      .when(attempt(true, at(600_000)))
      .thenRefuses('challenge_expired'));
  it('a k1 is signed exactly once: a second signature, for the same or another account, is refused', () => {
    const sign = (userId: string) => ({ type: 'SignChallenge' as const, data: { now: at(1000), userId } });
    given([issued])
      .when(sign('u1'))
      .then([{ type: 'ChallengeSigned', data: { userId: 'u1' } }]);
    given([issued, { type: 'ChallengeSigned', data: { userId: 'u1' } }])
      .when(sign('u1'))
      .thenRefuses('challenge_used');
    given([issued, { type: 'ChallengeSigned', data: { userId: 'u1' } }])
      .when(sign('u2'))
      .thenRefuses('challenge_used');
  });
  it('refuses once expired', () =>
    given([issued, { type: 'ChallengeExpired', data: {} }])
      .when(attempt(true))
      .thenRefuses('challenge_expired'));
  it('refuses an unknown challenge', () => given([]).when(attempt(true)).thenRefuses('not_found'));
  it('records its expiry only when due and still open', () => {
    given([issued])
      .when({ type: 'ExpireChallenge', data: { now: at(599_000) } })
      .then([]);
    given([issued])
      .when({ type: 'ExpireChallenge', data: { now: at(600_000) } })
      .then([{ type: 'ChallengeExpired', data: {} }]);
    given([issued, { type: 'ChallengeCompleted', data: {} }])
      .when({ type: 'ExpireChallenge', data: { now: at(700_000) } })
      .then([]);
    given([issued, { type: 'ChallengeExpired', data: {} }])
      .when({ type: 'ExpireChallenge', data: { now: at(700_000) } })
      .then([]);
  });
});
