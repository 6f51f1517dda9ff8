import { DomainError, refuse } from '../../domain/shared/errors.js';
import { normalizeEmail } from '../../domain/user/rules.js';
import { CHALLENGES } from '../../projections/challenges.js';
import { claimsGivenUp } from '../../domain/user/decider.js';
import { credentialSweep } from './credential-sweep.js';
import type { Caller, RequestInfo } from './types.js';
import { newUsrKey } from './usr-key.js';
import type { AccountServices } from './services.js';
import { mailboxChecks, stale, SYSTEM, wrongCode } from './mailbox-checks.js';
import { JOBS } from '../jobs.js';
import { CHALLENGE_TTL_MS } from '../../domain/challenge/decider.js';
import { randomToken } from './second-factor.js';

/** What goes through a mailbox besides sign-in codes: address verification and password reset. */
export function emailFlows(services: AccountServices) {
  const { deps, commandContext, awaitReadModels, decideForUser, loadUser } = services;
  const sweep = credentialSweep(services);
  const { accountByEmail, refuseIfSpent } = mailboxChecks(services);

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
    async requestPasswordReset(input: { email: string }, request: RequestInfo) {
      await services.requireCaptcha('request', request);
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
      await services.requireStrongPassword(input.newPassword, await services.accountWords(state), 'new_password');
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
  };
}
