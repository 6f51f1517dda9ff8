import { randomUUID } from 'node:crypto';
import { refuse } from '../../../domain/shared/errors.js';
import { normalizeEmail } from '../../../domain/user/rules.js';
import { CHALLENGES } from '../../../projections/challenges.js';
import { LOOKUPS } from '../../../projections/lookups.js';
import { claimsGivenUp } from '../../../domain/user/decider.js';
import { credentialSweep } from '../../accounts/credential-sweep.js';
import { signInPath } from '../../accounts/sign-in.js';
import type { RequestInfo } from '../../accounts/types.js';
import { newUsrKey } from '../../accounts/usr-key.js';
import { inviteIdOf } from '../../accounts/registration.js';
import type { AccountServices } from '../../accounts/services.js';
import { mailboxChecks, stale, SYSTEM, wrongCode } from '../../accounts/mailbox-checks.js';
import { JOBS } from '../../jobs.js';
import { CHALLENGE_TTL_MS } from '../../../domain/challenge/decider.js';
import { sixDigitCode } from '../../accounts/second-factor.js';

/**
 * Passwordless sign-in by email code: the request (the same 202 for every address), the worker's
 * half, the code's expiry, and the code that signs in, makes the account, or reclaims it.
 */
export function emailCodeAccounts(services: AccountServices) {
  const { deps, commandContext, awaitReadModels, decideForUser, loadUser } = services;
  const sweep = credentialSweep(services);
  const signIn = signInPath(services);
  const { accountByEmail, refuseIfSpent } = mailboxChecks(services);

  return {
    /** POST /auth/send-code: the same quick 202 for every address; a worker does the rest. */
    async sendLoginCode(input: { email: string }, request: RequestInfo) {
      await services.requireCaptcha('request', request);
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
          // Asking for the code passed the CAPTCHA (when one is on): the code is its proof here.
          { ...request, captchaPassed: true },
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
