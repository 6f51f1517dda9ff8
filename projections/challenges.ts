import type { ChallengeEvent } from '../domain/challenge/decider.js';
import type { Projection } from './types.js';

/**
 * `challenges`: the newest open challenge for a purpose and key (`email_code:<email claim>`,
 * `email_verification:<user id>`, `totp_setup:<user id>`). A new challenge replaces the pointer,
 * which is what makes an older code useless.
 */
export const CHALLENGES = 'challenges';

export const challengeKey = (purpose: string, key: string) => `${purpose}:${key}`;

type Issued = Extract<ChallengeEvent, { type: 'ChallengeIssued' }>['data'];

const keyOf = (data: Issued): string | null => {
  switch (data.purpose) {
    case 'email_code':
      return data.emailClaim;
    case 'email_verification':
    case 'totp_setup':
      return data.userId;
    case 'password_reset':
    case 'lnurl':
    case 'oauth':
    case 'passkey':
    case 'wasnt_me':
      return null; // its token (k1, state) names the challenge itself
  }
};

export const challengesProjection: Projection = {
  name: 'challenges',
  version: 1,
  collections: { [CHALLENGES]: [{ keys: { challengeId: 1 } }] },
  handles: ['ChallengeIssued', 'ChallengeCompleted'],
  project(event) {
    const challengeId = event.streamId.slice('challenge-'.length);
    if (event.type === 'ChallengeIssued') {
      const data = event.data as Issued;
      const key = keyOf(data);
      if (!key) return [];
      return [
        {
          collection: CHALLENGES,
          kind: 'upsert',
          id: challengeKey(data.purpose, key),
          update: { $set: { challengeId, expiresAt: data.expiresAt } },
        },
      ];
    }
    // A used challenge points nowhere any more. A burned one stays, so that trying it again is
    // answered 410 `challenge_used` until a new code replaces it.
    return [{ collection: CHALLENGES, kind: 'delete', filter: { challengeId } }];
  },
};
