import { randomUUID } from 'node:crypto';
import { DomainError, refuse } from '../../domain/shared/errors.js';
import { normalizeEmail } from '../../domain/user/rules.js';
import { CHALLENGES } from '../../projections/challenges.js';
import { emailKey, LOOKUPS } from '../../projections/lookups.js';
import { claimsGivenUp } from '../../domain/user/decider.js';
import { credentialSweep } from './credential-sweep.js';
import { signInPath } from './sign-in.js';
import type { Caller, RequestInfo } from './types.js';
import { newUsrKey } from './usr-key.js';
import { inviteIdOf } from './registration.js';
import type { AccountServices } from './services.js';
import { JOBS } from '../jobs.js';
import { CHALLENGE_TTL_MS } from '../../domain/challenge/decider.js';
import { randomToken, sixDigitCode } from './second-factor.js';

const wrongCode = () => new DomainError('invalid_credentials', 'The code is wrong');
const stale = () => new DomainError('challenge_used', 'This code or link is no longer valid; ask for a new one');
const SYSTEM = { requestId: 'worker', ip: null, userAgent: null };

/** Everything that goes through a mailbox: verification, password reset, passwordless codes. */
export function emailFlows(services: AccountServices) {
  const { deps, commandContext, awaitReadModels, decideForUser, loadUser } = services;
  const sweep = credentialSweep(services);
  const signIn = signInPath(services);
  const accountByEmail = async (email: string) =>
    ((await services.lookups().findOne({ _id: emailKey(email) }))?.userId as string | undefined) ?? null;

  /** Refuses with 429 while a key has used up its budget. */
  const refuseIfSpent = async (bucket: 'issue' | 'failures', key: string) => {
    const decision = await deps.limits[bucket].check(key);
    if (!decision.allowed)
      refuse(
        'rate_limited',
        'Too many codes or wrong answers for this address or account; wait a while',
        undefined,
        decision.retryAfterSeconds,
      );
  };

  return {
    /** POST /auth/me/send-otp: a code to the account's current address (5 an hour). */
    async sendVerificationCode(caller: Caller, request: RequestInfo) {
      const me = await services.userObject(caller.userId);
      const state = await loadUser(caller.userId);
      if (!me.email || !state.emailClaim) refuse('conflict', 'The account has no email address to verify');
      const spent = await deps.limits.issue.consume(`verify:${caller.userId}`);
      if (!spent.allowed)
        refuse('rate_limited', 'Too many codes asked for; wait a while', undefined, spent.retryAfterSeconds);
      const otpSession = await services.sendEmailVerification(
        caller.userId,
        me.email as string,
        state.emailClaim!,
        commandContext(request, caller.userId),
      );
      return { otp_session: otpSession };
    },

    /** POST /auth/verify-otp: the newest code and its otp_session prove the address. */
    async verifyEmail(input: { otp: string; otpSession: string }, request: RequestInfo) {
      const challenge = await deps.challenges.load(input.otpSession);
      if (challenge.issued && challenge.issued.purpose !== 'email_verification') refuse('not_found', 'No such code');
      const userId = challenge.issued?.userId ?? null;
      if (userId) {
        await refuseIfSpent('failures', `verify:${userId}`);
        // Only the newest code counts: asking again must not multiply the guesses.
        await services.catchUpWith(CHALLENGES);
        if (
          (await deps.challenges.latest('email_verification', userId)) !== input.otpSession &&
          challenge.status === 'open'
        )
          throw stale();
      }
      const ctx = commandContext(request, userId);
      const matches = challenge.status === 'open' && deps.challenges.secretMatches(challenge, input.otp);
      if (!matches && userId && challenge.status === 'open') await deps.limits.failures.consume(`verify:${userId}`);
      const answered = await deps.challenges.answer(input.otpSession, () => matches, ctx, wrongCode());
      const result = await decideForUser(
        answered.state.issued!.userId,
        () => ({ type: 'VerifyEmail', data: { emailClaim: answered.state.issued!.emailClaim! } }),
        ctx,
      );
      await awaitReadModels(result, answered);
      return result.position ?? answered.position;
    },

    /** POST /auth/reset-password: the same quick 202 for every address; a worker does the rest. */
    async requestPasswordReset(input: { email: string }) {
      await services.enqueueRequest(JOBS.requestPasswordReset, normalizeEmail(input.email));
    },

    /** The worker's half of a reset request: a link for an account that has this address. */
    async fulfilPasswordReset(email: string) {
      const userId = await accountByEmail(email);
      if (!userId) return;
      const state = await loadUser(userId);
      if (state.status !== 'active' || !state.emailClaim) return;
      if (!(await deps.limits.issue.consume(`reset:${state.emailClaim}`)).allowed) return;
      const secret = randomToken();
      const { challengeId } = await deps.challenges.issue(
        {
          purpose: 'password_reset',
          userId,
          emailClaim: state.emailClaim,
          secret,
          ttlMs: CHALLENGE_TTL_MS.password_reset,
          maxAttempts: 1,
          epoch: state.credentialsEpoch,
        },
        commandContext(SYSTEM, null),
      );
      // The token names its challenge, so no lookup table of tokens is needed.
      await services.sendMail(
        email,
        { kind: 'password_reset', token: `${challengeId}.${secret}` },
        `mail:${challengeId}`,
      );
    },

    /**
     * PUT /auth/reset-password: single use; void once the password or address changed. Every
     * session ends, the user key is replaced, and every API key and ACL token is revoked; an
     * address that was never verified reclaims the account (see domain/user/reclaim.ts).
     */
    async resetPassword(input: { token: string; newPassword: string }, request: RequestInfo) {
      const [challengeId, secret, extra] = input.token.split('.');
      if (!challengeId || !secret || extra !== undefined || !/^[0-9a-f-]{36}$/.test(challengeId))
        refuse('invalid_credentials', 'The reset token is not valid');
      const challenge = await deps.challenges.load(challengeId!);
      if (!challenge.issued || challenge.issued.purpose !== 'password_reset')
        refuse('invalid_credentials', 'The reset token is not valid');
      const userId = challenge.issued!.userId;
      const ctx = commandContext(request, userId);
      const invalid = new DomainError('invalid_credentials', 'The reset token is not valid');
      // The token is checked (and a wrong one spends it) before any bcrypt work is done.
      if (challenge.status === 'open' && !deps.challenges.secretMatches(challenge, secret!)) {
        await deps.challenges.answer(challengeId!, () => false, ctx, invalid);
      }
      const state = await loadUser(userId);
      if (
        state.status !== 'active' ||
        state.emailClaim !== challenge.issued!.emailClaim ||
        state.credentialsEpoch !== challenge.issued!.epoch
      ) {
        if (challenge.status === 'open') throw stale();
      }
      services.requireStrongPassword(input.newPassword, state.username, 'new_password');
      const passwordHash = await deps.hasher.hash(input.newPassword);
      // Spent first: a crash after this asks the user for a new link, never reuses this one.
      await deps.challenges.answer(challengeId!, (s) => deps.challenges.secretMatches(s, secret!), ctx, invalid);
      // Credentials end before the password changes, so that a crash in between leaves them ended
      // (the person asks for a new link); a second sweep after catches any made meanwhile.
      const reason = state.emailVerified ? 'password_reset' : 'account_reclaimed';
      await sweep(userId, reason, request);
      const result = await decideForUser(
        userId,
        () => ({ type: 'ResetPassword', data: { passwordHash, newUsr: newUsrKey() } }),
        ctx,
      );
      await services.releaseAll(result.events.flatMap(claimsGivenUp), userId, ctx);
      await awaitReadModels(result);
      await sweep(userId, reason, request);
      return result.position;
    },

    /** POST /auth/send-code: the same quick 202 for every address; a worker does the rest. */
    async sendLoginCode(input: { email: string }) {
      await services.enqueueRequest(JOBS.requestLoginCode, normalizeEmail(input.email));
    },

    /**
     * The worker's half of a code request. Every address gets a challenge (so that wrong guesses
     * are answered alike, account or not); it is mailed when the address has an account or may
     * make one. An unknown address names now the account it would become, so that its address is
     * sealed under that account's key from the start.
     */
    async fulfilLoginCode(email: string) {
      const emailClaim = deps.claims.streamOf('email', email);
      if (!(await deps.limits.issue.consume(`code:${emailClaim}`)).allowed) return;
      const existing = await accountByEmail(email);
      // In invite mode the code is mailed too: verify-code then needs the invite's referrer_token.
      const mayJoin = deps.settings.registration !== 'closed' || !(await services.isSetUp());
      const userId = existing ?? randomUUID();
      const code = sixDigitCode();
      const issued = await deps.challenges.issue(
        {
          purpose: 'email_code',
          userId,
          secret: code,
          ttlMs: CHALLENGE_TTL_MS.email_code,
          maxAttempts: 5,
          emailClaim,
          email: existing ? null : email,
        },
        commandContext(SYSTEM, null),
      );
      await awaitReadModels(issued);
      if (existing || mayJoin)
        await services.sendMail(email, { kind: 'login_code', code }, `mail:${issued.challengeId}`);
    },

    /**
     * The expiry job: records that a challenge expired; a login code for an address that never
     * became an account takes the data key made for that account with it.
     */
    async expireChallenge(challengeId: string, ctx: Parameters<typeof deps.challenges.expire>[1]) {
      await deps.challenges.expire(challengeId, ctx);
      const challenge = await deps.challenges.load(challengeId);
      if (challenge.issued?.purpose !== 'email_code' || challenge.status === 'open') return;
      const latest = challenge.issued.emailClaim
        ? await deps.challenges.latest('email_code', challenge.issued.emailClaim)
        : null;
      if (latest && latest !== challengeId) {
        const newer = await deps.challenges.load(latest);
        if (newer.issued?.userId === challenge.issued.userId) return;
      }
      if ((await loadUser(challenge.issued.userId)).status === 'none') await services.erase(challenge.issued.userId);
    },

    /** POST /auth/verify-code: the newest code for the address logs in, or makes the account. */
    async verifyLoginCode(
      input: { email: string; code: string; totpCode?: string; referrerToken?: string },
      request: RequestInfo,
    ) {
      const invite = input.referrerToken ? { inviteId: inviteIdOf(input.referrerToken) } : undefined;
      const email = normalizeEmail(input.email);
      const emailClaim = deps.claims.streamOf('email', email);
      await refuseIfSpent('failures', `code:${emailClaim}`);
      await services.catchUpWith(CHALLENGES, LOOKUPS);
      const challengeId = await deps.challenges.latest('email_code', emailClaim);
      if (!challengeId) {
        await deps.limits.failures.consume(`code:${emailClaim}`);
        throw wrongCode();
      }
      const challenge = await deps.challenges.load(challengeId);
      const userId = challenge.issued!.userId;
      const state = await loadUser(userId);
      const existing = state.status === 'active';
      const matches = challenge.status === 'open' && deps.challenges.secretMatches(challenge, input.code);
      const ctx = commandContext(request, userId);
      // The address was never verified on this account: the code reclaims it (no second factor
      // is asked for: whoever set the account up may have set that too).
      const reclaiming = existing && !state.emailVerified && state.emailClaim === emailClaim;
      if (matches && existing) {
        // Only a right code learns that 2FA is on; the code stays open for the second step.
        if (!reclaiming && state.totpSecret !== null && !input.totpCode)
          refuse('totp_required', 'A two-factor code is required');
        if (state.emailClaim !== emailClaim) throw stale();
      }
      // Said before the code is spent, so the same code works again with the invite.
      if (matches && !existing && deps.settings.registration === 'invite' && !invite && (await services.isSetUp())) {
        refuse('invite_required', 'Registration needs an invite: send its token as referrer_token');
      }
      if (!matches && challenge.status === 'open') {
        await deps.limits.failures.consume(`code:${emailClaim}`);
        // A wrong code for an account counts toward its lockout, like a wrong password.
        if (existing)
          await decideForUser(userId, () => ({ type: 'RecordFailedCode', data: { now: deps.clock() } }), ctx);
      }
      await deps.challenges.answer(challengeId, () => matches, ctx, wrongCode());
      if (!existing) {
        const username = `user_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
        return services.registerAccount(
          {
            userId,
            username,
            passwordHash: null,
            email,
            emailVerified: true,
            displayName: null,
            method: 'email_code',
            ...(invite ? { invite } : {}),
          },
          request,
        );
      }
      // Ended before the reclaim too, so that a crash after it leaves no credential of the account's maker.
      if (reclaiming) await sweep(userId, 'account_reclaimed', request);
      let reclaimed = false;
      const issued = await signIn(
        userId,
        {
          method: 'email_code',
          firstFactor: () => true,
          totpCode: input.totpCode,
          instead: (current, session) => {
            reclaimed = current.emailClaim === emailClaim && !current.emailVerified;
            return reclaimed
              ? { type: 'ReclaimByEmailCode', data: { emailClaim, newUsr: newUsrKey(), session } }
              : null;
          },
        },
        request,
      );
      if (reclaimed) {
        await services.releaseAll(issued.events.flatMap(claimsGivenUp), userId, ctx);
        await sweep(userId, 'account_reclaimed', request);
      }
      return issued;
    },
  };
}
