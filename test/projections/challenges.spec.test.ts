import { describe, it } from 'vitest';
import type { ChallengeEvent, ChallengeIssuedData, ChallengePurpose } from '../../domain/challenge/decider.js';
import { CHALLENGES, challengesProjection } from '../../projections/challenges.js';
import { expectEveryHandledTypeWrites, inStream, projectionSpec } from '../support/projection.js';

const given = projectionSpec(challengesProjection);

const ALICE = '0a11ce00-0000-4000-8000-000000000001';
const EXPIRES = '2026-06-01T12:10:00.000Z';
const LATER = '2026-06-01T12:20:00.000Z';

const challenge = (id: string) => inStream<ChallengeEvent>(`challenge-${id}`);
const issued = (id: string, purpose: ChallengePurpose, more: Partial<ChallengeIssuedData> = {}) =>
  challenge(id)({
    type: 'ChallengeIssued',
    data: {
      challengeId: id,
      purpose,
      userId: ALICE,
      emailClaim: 'claim-email-alice',
      email: null,
      secretHash: 'hmac-of-code',
      totpSecret: null,
      expiresAt: EXPIRES,
      maxAttempts: 5,
      ...more,
    },
  });
const completed = (id: string) => challenge(id)({ type: 'ChallengeCompleted', data: {} });

describe('challenges projection: the newest open challenge for each purpose and key', () => {
  it('an email code is found by its address claim; a verification code and a TOTP set-up by the account', async () => {
    await given([
      issued('c-1', 'email_code'),
      issued('c-2', 'email_verification'),
      issued('c-3', 'totp_setup', { totpSecret: 'SECRET', secretHash: null }),
    ]).then({
      [CHALLENGES]: [
        { _id: 'email_code:claim-email-alice', challengeId: 'c-1', expiresAt: EXPIRES },
        { _id: `email_verification:${ALICE}`, challengeId: 'c-2', expiresAt: EXPIRES },
        { _id: `totp_setup:${ALICE}`, challengeId: 'c-3', expiresAt: EXPIRES },
      ],
    });
  });

  it('a reset link, an LNURL k1 and an OAuth state name their challenge themselves: no pointer', async () => {
    await given([
      issued('c-1', 'password_reset'),
      issued('c-2', 'lnurl', { action: 'login' }),
      issued('c-3', 'oauth', { oauth: { provider: 'github', redirectUri: 'https://app.test/cb' } }),
    ]).then({
      [CHALLENGES]: [],
    });
  });

  it('a new code for the same address replaces the pointer, which makes the older code useless', async () => {
    await given([issued('c-1', 'email_code'), issued('c-2', 'email_code', { expiresAt: LATER })]).then({
      [CHALLENGES]: [{ _id: 'email_code:claim-email-alice', challengeId: 'c-2', expiresAt: LATER }],
    });
  });

  it('a used challenge points nowhere any more', async () => {
    await given([issued('c-1', 'email_code'), issued('c-2', 'email_verification'), completed('c-1')]).then({
      [CHALLENGES]: [{ _id: `email_verification:${ALICE}`, challengeId: 'c-2', expiresAt: EXPIRES }],
    });
  });

  it('using a replaced challenge leaves the newer one pointed to', async () => {
    await given([
      issued('c-1', 'email_code'),
      issued('c-2', 'email_code', { expiresAt: LATER }),
      completed('c-1'),
    ]).then({
      [CHALLENGES]: [{ _id: 'email_code:claim-email-alice', challengeId: 'c-2', expiresAt: LATER }],
    });
  });

  it('a burned or expired challenge stays pointed to, so that trying it again is answered as used or expired', async () => {
    await given([
      issued('c-1', 'email_code'),
      challenge('c-1')({ type: 'ChallengeAttemptFailed', data: { attempt: 5 } }),
      challenge('c-1')({ type: 'ChallengeBurned', data: { attempts: 5 } }),
      issued('c-2', 'email_verification'),
      challenge('c-2')({ type: 'ChallengeExpired', data: {} }),
    ]).then({
      [CHALLENGES]: [
        { _id: 'email_code:claim-email-alice', challengeId: 'c-1', expiresAt: EXPIRES },
        { _id: `email_verification:${ALICE}`, challengeId: 'c-2', expiresAt: EXPIRES },
      ],
    });
  });

  it('writes for every event type it handles', () => {
    expectEveryHandledTypeWrites(challengesProjection, [issued('c-1', 'email_code'), completed('c-1')]);
  });
});
