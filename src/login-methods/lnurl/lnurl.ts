import { randomBytes, randomUUID } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bech32 } from 'bech32';
import { v5 as uuidv5 } from 'uuid';
import {
  CHALLENGE_TTL_MS,
  challengeDecider,
  challengeStream,
  type ChallengeEvent,
  type ChallengeState,
} from '../../../domain/challenge/decider.js';
import { isDomainError, refuse } from '../../../domain/shared/errors.js';
import type { Caller, RequestInfo } from '../../accounts/types.js';
import { inviteIdOf } from '../../accounts/registration.js';
import type { AccountServices } from '../../accounts/services.js';
import { signInPath } from '../../accounts/sign-in.js';

export type LnurlAction = 'login' | 'register' | 'link' | 'auth';
// k1 names its challenge: the wallet's callback and the poll need no lookup table.
const K1_NAMESPACE = '5b0f7a52-3c1e-4f57-9a3d-6c1f0e2b8d44';
const challengeOf = (k1: string) => uuidv5(k1, K1_NAMESPACE);
const HEX = (length: number) => new RegExp(`^[0-9a-f]{${length}}$`);

/** The LUD-04 answer to a wallet: HTTP 200 either way. */
export type LudAnswer = { status: 'OK' } | { status: 'ERROR'; reason: string };

/** LNURL-auth (LUD-04): k1 is a challenge that is issued, signed by a wallet, then taken once. */
export function lnurlAccounts(services: AccountServices) {
  const { deps, commandContext, decideForUser } = services;
  const signIn = signInPath(services);
  const onChallenge = (
    k1: string,
    decide: (state: ChallengeState) => Parameters<typeof challengeDecider.decide>[0],
    request: RequestInfo,
  ) =>
    deps.commands.handle<ChallengeEvent, ChallengeState>(
      challengeDecider,
      challengeStream(challengeOf(k1)),
      (state) => challengeDecider.decide(decide(state), state),
      commandContext(request, null),
    );

  /** Verifies the wallet's DER secp256k1 signature over k1 with its compressed linking key. */
  const signatureValid = (k1: string, sig: string, key: string) => {
    try {
      return secp256k1.verify(Buffer.from(sig, 'hex'), Buffer.from(k1, 'hex'), Buffer.from(key, 'hex'), {
        prehash: false,
        format: 'der',
        lowS: false,
      });
    } catch {
      return false;
    }
  };

  /**
   * The account a linking key signs into, decided before the k1 is signed: the caller's (link),
   * the key's known account, or a new one under the id the challenge chose at its start.
   */
  const targetOf = async (
    challenge: ChallengeState,
    key: string,
  ): Promise<{ userId: string; step: 'link' | 'known' | 'make' }> => {
    const issued = challenge.issued!;
    if (issued.action === 'link') return { userId: issued.userId, step: 'link' };
    const known = await services.accountWithIdentity('lnurl', key, { caughtUp: true });
    return known ? { userId: known, step: 'known' } : { userId: issued.userId, step: 'make' };
  };

  /** After the k1 is signed: links the key to the caller, or makes the account (no session: the poll starts it). */
  const linkOrMake = async (
    challenge: ChallengeState,
    key: string,
    target: { userId: string; step: 'link' | 'known' | 'make' },
    request: RequestInfo,
  ) => {
    if (target.step === 'known') return;
    const issued = challenge.issued!;
    const ctx = commandContext(request, target.userId);
    if (target.step === 'link') {
      await services.linkIdentity(target.userId, 'lnurl', key, ctx);
      return;
    }
    const claim = await services.claimIdentity('lnurl', key, target.userId, ctx);
    try {
      await services.createAccount(
        {
          userId: target.userId,
          username: `lnurl_${key.slice(2, 14)}`,
          passwordHash: null,
          email: null,
          displayName: null,
          method: 'lnurl',
          identity: { method: 'lnurl', id: key, claim },
          ...(issued.inviteId ? { invite: { inviteId: issued.inviteId } } : {}),
        },
        // The wallet's request carries no CAPTCHA: the one the sign-in passed at its start counts.
        { ...request, captchaPassed: issued.captchaPassed === true },
        { session: false },
      );
    } catch (error) {
      await services.releaseAll([claim], target.userId, ctx);
      throw error;
    }
  };

  return {
    /** GET /auth/lnurl: a fresh k1, its callback, and the bech32 `lnurl` a wallet scans. */
    async startLnurl(action: LnurlAction, caller: Caller | null, request: RequestInfo, referrerToken?: string) {
      const inviteId = referrerToken ? inviteIdOf(referrerToken) : undefined;
      if (action === 'link' && !caller) refuse('unauthenticated', 'Linking needs the Bearer token of the account');
      const captchaPassed = await services.captchaAtStart(caller, request);
      const k1 = randomBytes(32).toString('hex');
      const expiresAt = new Date(deps.clock().getTime() + CHALLENGE_TTL_MS.lnurl);
      await deps.commands.handle(
        challengeDecider,
        challengeStream(challengeOf(k1)),
        (state) =>
          challengeDecider.decide(
            {
              type: 'IssueChallenge',
              data: {
                challengeId: challengeOf(k1),
                purpose: 'lnurl',
                userId: caller?.userId ?? randomUUID(),
                emailClaim: null,
                email: null,
                secretHash: null,
                totpSecret: null,
                expiresAt: expiresAt.toISOString(),
                maxAttempts: 1,
                action,
                ...(inviteId ? { inviteId } : {}),
                ...(captchaPassed ? { captchaPassed } : {}),
              },
            },
            state,
          ),
        commandContext(request, caller?.userId ?? null),
      );
      const callback = `${deps.settings.publicUrl}/api/v1/auth/lnurl/callback?tag=login&k1=${k1}&action=${action}`;
      const lnurl = bech32.encode('lnurl', bech32.toWords(Buffer.from(callback, 'utf8')), 1023).toUpperCase();
      return { lnurl, k1, callback, expires_at: expiresAt.toISOString() };
    },

    /** GET /auth/lnurl/callback: the wallet proves its linking key; the account is found, made or linked. */
    async lnurlCallback(
      query: { tag?: string; k1?: string; sig?: string; key?: string },
      request: RequestInfo,
    ): Promise<LudAnswer> {
      const { tag, k1, sig, key } = query;
      if (tag !== 'login') return { status: 'ERROR', reason: 'tag must be login' };
      if (!k1 || !HEX(64).test(k1)) return { status: 'ERROR', reason: 'k1 must be 32 bytes in hex' };
      if (!key || !/^0[23][0-9a-f]{64}$/.test(key))
        return { status: 'ERROR', reason: 'key must be a compressed secp256k1 public key in hex' };
      if (!sig || !/^[0-9a-f]{16,146}$/.test(sig))
        return { status: 'ERROR', reason: 'sig must be a DER signature in hex' };
      const challenge = (await deps.commands.load(challengeDecider, challengeStream(challengeOf(k1)))).state;
      if (challenge.status === 'none' || challenge.issued?.purpose !== 'lnurl')
        return { status: 'ERROR', reason: 'unknown k1' };
      if (challenge.status !== 'open' || deps.clock().getTime() >= new Date(challenge.issued.expiresAt).getTime())
        return { status: 'ERROR', reason: 'k1 expired or already used' };
      if (!signatureValid(k1, sig, key)) return { status: 'ERROR', reason: 'bad signature' };
      // Signed first, exactly once: of racing callbacks only one goes on to link or make an account,
      // so one k1 (and the invite it carries) makes at most one.
      const target = await targetOf(challenge, key);
      try {
        // A refusal known now leaves the k1 open: another wallet, one with an account, may still sign it.
        if (target.step === 'make' && (await services.isSetUp()))
          services.refuseByRegistrationMode(challenge.issued.inviteId !== undefined);
        await onChallenge(
          k1,
          () => ({ type: 'SignChallenge', data: { now: deps.clock(), userId: target.userId } }),
          request,
        );
      } catch (error) {
        if (isDomainError(error))
          return {
            status: 'ERROR',
            reason: error.code === 'challenge_used' ? 'k1 expired or already used' : error.message,
          };
        throw error;
      }
      try {
        await linkOrMake(challenge, key, target, request);
        return { status: 'OK' };
      } catch (error) {
        // The k1 is spent: its poll answers 410 instead of signing into an account that was not made.
        await onChallenge(k1, () => ({ type: 'TakeChallenge', data: { now: deps.clock() } }), request).catch(
          () => undefined,
        );
        if (isDomainError(error)) return { status: 'ERROR', reason: error.message };
        throw error;
      }
    },

    /** GET /auth/lnurl/{k1}: 202 until signed, then the token exactly once; 410 when expired or taken. */
    async pollLnurl(k1: string, totpCode: string | undefined, request: RequestInfo) {
      if (!HEX(64).test(k1)) refuse('not_found', 'No such k1');
      const challenge = (await deps.commands.load(challengeDecider, challengeStream(challengeOf(k1)))).state;
      if (challenge.status === 'none' || challenge.issued?.purpose !== 'lnurl') refuse('not_found', 'No such k1');
      if (challenge.status === 'open' && deps.clock().getTime() < new Date(challenge.issued!.expiresAt).getTime())
        return { pending: true as const };
      const userId = challenge.signedFor;
      if (challenge.status === 'signed' && userId) {
        // 2FA: a missing code is said before the k1 is spent, so the client can ask and poll again.
        const state = await services.loadUser(userId);
        if (state.totpSecret !== null && !totpCode) refuse('totp_required', 'A two-factor code is required');
      }
      await onChallenge(k1, () => ({ type: 'TakeChallenge', data: { now: deps.clock() } }), request);
      return {
        pending: false as const,
        issued: await signIn(userId!, { method: 'lnurl', firstFactor: () => true, totpCode }, request),
      };
    },
  };
}
