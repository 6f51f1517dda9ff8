import { randomBytes, randomUUID } from 'node:crypto';
import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeClientDataJSON } from '@simplewebauthn/server/helpers';
import { parse as uuidParse, stringify as uuidStringify } from 'uuid';
import { CHALLENGE_TTL_MS, type ChallengeIssuedData, type PasskeyCeremony } from '../../domain/challenge/decider.js';
import { DomainError, refuse } from '../../domain/shared/errors.js';
import type { PasskeyAssertion } from '../../domain/user/commands.js';
import { passkeyOf, PASSKEY } from '../../domain/user/passkey-use.js';
import type { IdentityServices } from './identities.js';
import type { Shared } from './shared.js';
import type { RelyingParty, RequestInfo } from './types.js';

const TIMEOUT_MS = CHALLENGE_TTL_MS.passkey;
const bad = (detail: string) => new DomainError('invalid_credentials', `Invalid passkey answer: ${detail}`);

/**
 * The WebAuthn challenge names its single-use challenge stream: 16 bytes of the stream's id and 32
 * random bytes, whose keyed hash the stream keeps. So an answer finds its challenge without a
 * lookup, and only the options' holder can answer it.
 */
const encodeChallenge = (challengeId: string, secret: Buffer): Uint8Array<ArrayBuffer> => {
  const bytes = new Uint8Array(48);
  bytes.set(uuidParse(challengeId), 0);
  bytes.set(secret, 16);
  return bytes;
};

const challengeOf = (clientDataJSON: unknown): { challengeId: string; secret: string; text: string } => {
  if (typeof clientDataJSON !== 'string') throw bad('clientDataJSON is missing');
  let text: string;
  try {
    text = decodeClientDataJSON(clientDataJSON).challenge;
  } catch {
    throw bad('clientDataJSON is not base64url JSON');
  }
  const bytes = Buffer.from(text ?? '', 'base64url');
  if (bytes.length !== 48) throw bad('the challenge is not one of this service');
  return { challengeId: uuidStringify(bytes.subarray(0, 16)), secret: bytes.subarray(16).toString('base64url'), text };
};

/**
 * The WebAuthn ceremonies every passkey use shares: single-use challenges (the challenge
 * aggregate, 5 minutes), and the checks of an attestation (a new passkey) and of an assertion (a
 * sign-in, a second factor, a proof) by @simplewebauthn/server against the relying party.
 */
export function passkeyCeremonies(services: Shared & IdentityServices) {
  const { deps, commandContext } = services;
  const rp = (): RelyingParty => deps.settings.passkeys;

  /** A fresh challenge for `ceremony`, as the bytes the options carry. */
  const newChallenge = async (
    ceremony: PasskeyCeremony,
    data: { userId: string; userHandle?: string; username?: string; email?: string | null; inviteId?: string },
    request: RequestInfo,
  ) => {
    const secret = randomBytes(32);
    const { challengeId } = await deps.challenges.issue(
      {
        purpose: 'passkey',
        userId: data.userId,
        ttlMs: TIMEOUT_MS,
        maxAttempts: 1,
        secret: secret.toString('base64url'),
        passkey: { ceremony },
        ...(data.userHandle ? { userHandle: data.userHandle } : {}),
        ...(data.username !== undefined ? { username: data.username } : {}),
        ...(data.email !== undefined ? { email: data.email } : {}),
        ...(data.inviteId !== undefined ? { inviteId: data.inviteId } : {}),
      },
      commandContext(request, data.userId),
    );
    return { challenge: encodeChallenge(challengeId, secret), timeout: TIMEOUT_MS };
  };

  /**
   * Spends the challenge an answer carries (once, whatever the answer proves: 410 when it was
   * used or expired) and answers what it was issued for.
   */
  const spendChallenge = async (
    clientDataJSON: unknown,
    ceremony: PasskeyCeremony,
    request: RequestInfo,
  ): Promise<ChallengeIssuedData & { text: string }> => {
    const { challengeId, secret, text } = challengeOf(clientDataJSON);
    const state = await deps.challenges.load(challengeId);
    if (state.status === 'none' || state.issued?.purpose !== 'passkey' || state.issued.passkey?.ceremony !== ceremony)
      throw bad('the challenge is not one of these options');
    const { state: spent } = await deps.challenges.answer(
      challengeId,
      (current) => deps.challenges.secretMatches(current, secret),
      commandContext(request, null),
      bad('the challenge is not one of these options'),
    );
    return { ...spent.issued!, text };
  };

  return {
    relyingParty: rp,
    newPasskeyChallenge: newChallenge,
    spendPasskeyChallenge: spendChallenge,

    /** Request options for any assertion: the sign-in (no username typed: an empty allow list), a second factor, a proof. */
    async passkeyAssertionOptions(request: RequestInfo) {
      // Nobody is named yet: the challenge's subject is a fresh id.
      const { challenge, timeout } = await newChallenge('sign-in', { userId: randomUUID() }, request);
      return generateAuthenticationOptions({
        rpID: rp().id,
        challenge,
        timeout,
        allowCredentials: [],
        userVerification: 'preferred',
      });
    },

    /**
     * Checks an assertion against the passkey it names: the account it belongs to, and what the
     * decision needs (`valid` false when the signature, origin or RP ID did not hold; the counter
     * is compared by the decision). `forUserId`: it must be this account's.
     */
    async verifyPasskeyAssertion(
      response: AuthenticationResponseJSON,
      request: RequestInfo,
      forUserId?: string,
    ): Promise<{ userId: string; assertion: PasskeyAssertion }> {
      const issued = await spendChallenge(response?.response?.clientDataJSON, 'sign-in', request);
      const credentialId = typeof response.id === 'string' ? response.id : '';
      const userId = credentialId ? await services.accountWithIdentity(PASSKEY, credentialId) : null;
      // Another account's passkey proves nothing for this one: a failed proof of it (recorded, and
      // answered like any wrong proof, so the answer says nothing about whose passkey it is).
      if (forUserId !== undefined && userId !== forUserId)
        return {
          userId: forUserId,
          assertion: { credentialId, valid: false, counter: 0, backedUp: false, userVerified: false },
        };
      if (!userId) return refuse('invalid_credentials', 'This passkey is not known here');
      const state = await services.loadUser(userId);
      const stored = passkeyOf(state, credentialId);
      if (!stored) return refuse('invalid_credentials', 'This passkey is not known here');
      const handle = response.response.userHandle;
      const handleMatches = !handle || handle === state.passkeyUserHandle;
      try {
        const { verified, authenticationInfo } = await verifyAuthenticationResponse({
          response,
          expectedChallenge: issued.text,
          expectedOrigin: [...rp().origins],
          expectedRPID: rp().id,
          // Compared by the decision instead, against the account as it stands, and only once the signature held.
          credential: { id: credentialId, publicKey: Buffer.from(stored.publicKey, 'base64url'), counter: 0 },
          requireUserVerification: false,
        });
        return {
          userId,
          assertion: {
            credentialId,
            valid: verified && handleMatches,
            counter: authenticationInfo.newCounter,
            backedUp: authenticationInfo.credentialBackedUp,
            userVerified: authenticationInfo.userVerified,
          },
        };
      } catch {
        return { userId, assertion: { credentialId, valid: false, counter: 0, backedUp: false, userVerified: false } };
      }
    },

    /** Checks a new passkey's attestation (format `none` or any the library knows) for these options. */
    async verifyPasskeyAttestation(response: RegistrationResponseJSON, issued: ChallengeIssuedData & { text: string }) {
      let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
      try {
        verification = await verifyRegistrationResponse({
          response,
          expectedChallenge: issued.text,
          expectedOrigin: [...rp().origins],
          expectedRPID: rp().id,
          requireUserVerification: false,
        });
      } catch (error) {
        throw bad(error instanceof Error ? error.message : 'it could not be verified');
      }
      if (!verification.verified || !verification.registrationInfo) throw bad('it could not be verified');
      const { credential, credentialDeviceType, credentialBackedUp } = verification.registrationInfo;
      return {
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        transports: (credential.transports ?? []).slice(0, 8).map(String),
        backedUp: credentialBackedUp,
        deviceType: credentialDeviceType,
      };
    },
  };
}

export type PasskeyCeremonies = ReturnType<typeof passkeyCeremonies>;
