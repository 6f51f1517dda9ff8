import { randomUUID } from 'node:crypto';
import { DomainError, refuse } from '../../domain/shared/errors.js';
import { normalizeEmail } from '../../domain/user/rules.js';
import { emailKey } from '../../projections/lookups.js';
import { CODE_TTL_MS, RESET_TTL_MS, type Caller, type Kit, type RequestInfo } from './kit.js';
import { randomToken, secondFactorFrom, sixDigitCode } from './second-factor.js';

const wrongCode = () => new DomainError('invalid_credentials', 'The code is wrong');

/** Everything that goes through a mailbox: verification, password reset, passwordless codes. */
export function emailFlows(kit: Kit) {
  const { deps, context, settle, onUser, loadUser } = kit;
  const accountByEmail = async (email: string) =>
    ((await kit.lookups().findOne({ _id: emailKey(email) }))?.userId as string | undefined) ?? null;

  return {
    /** POST /auth/me/send-otp: a code to the account's current address. */
    async sendVerificationCode(caller: Caller, request: RequestInfo) {
      const me = await kit.userObject(caller.userId);
      const state = await loadUser(caller.userId);
      if (!me.email || !state.emailClaim) refuse('conflict', 'The account has no email address to verify');
      const otpSession = await kit.sendEmailVerification(caller.userId, me.email as string, state.emailClaim!, context(request, caller.userId));
      return { otp_session: otpSession };
    },

    /** POST /auth/verify-otp: the code and its otp_session prove the address. */
    async verifyEmail(input: { otp: string; otpSession: string }, request: RequestInfo) {
      const challenge = await deps.challenges.load(input.otpSession);
      if (challenge.issued && challenge.issued.purpose !== 'email_verification') refuse('not_found', 'No such code');
      const ctx = context(request, challenge.issued?.userId ?? null);
      const answered = await deps.challenges.answer(input.otpSession, (state) => deps.challenges.secretMatches(state, input.otp), ctx, wrongCode());
      const userId = answered.state.issued!.userId;
      const result = await onUser(userId, () => ({ type: 'VerifyEmail', data: { emailClaim: answered.state.issued!.emailClaim! } }), ctx);
      await settle(result.position ?? answered.position, ['me']);
      return result.position ?? answered.position;
    },

    /** POST /auth/reset-password: 202 whether or not the address has an account. */
    async requestPasswordReset(input: { email: string }, request: RequestInfo) {
      const email = normalizeEmail(input.email);
      const userId = await accountByEmail(email);
      if (!userId) return null;
      const state = await loadUser(userId);
      if (state.status !== 'active' || !state.emailClaim) return null;
      const secret = randomToken();
      const { challengeId, position } = await deps.challenges.issue(
        { purpose: 'password_reset', userId, emailClaim: state.emailClaim, secret, ttlMs: RESET_TTL_MS, maxAttempts: 1 },
        context(request, null),
      );
      // The token names its challenge, so no lookup table of tokens is needed.
      await kit.sendMail(email, { kind: 'password_reset', token: `${challengeId}.${secret}` }, `mail:${challengeId}`);
      return position;
    },

    /** PUT /auth/reset-password: single use; every session of the account ends. */
    async resetPassword(input: { token: string; newPassword: string }, request: RequestInfo) {
      const [challengeId, secret] = input.token.split('.');
      if (!challengeId || !secret || !/^[0-9a-f-]{36}$/.test(challengeId)) refuse('invalid_credentials', 'The reset token is not valid');
      const challenge = await deps.challenges.load(challengeId!);
      if (challenge.issued && challenge.issued.purpose !== 'password_reset') refuse('invalid_credentials', 'The reset token is not valid');
      const userId = challenge.issued?.userId;
      const state = userId ? await loadUser(userId) : null;
      kit.requireStrongPassword(input.newPassword, state?.username ?? null, 'new_password');
      const passwordHash = await deps.hasher.hash(input.newPassword);
      const ctx = context(request, userId ?? null);
      // The token is spent first: a crash after this asks the user for a new one, never reuses it.
      await deps.challenges.answer(challengeId!, (s) => deps.challenges.secretMatches(s, secret!), ctx, new DomainError('invalid_credentials', 'The reset token is not valid'));
      const result = await onUser(userId!, () => ({ type: 'ResetPassword', data: { passwordHash } }), ctx);
      await settle(result.position, ['me', 'sessions']);
      return result.position;
    },

    /** POST /auth/send-code: a 6-digit login code; an unknown address gets one only when registration is open. */
    async sendLoginCode(input: { email: string }, request: RequestInfo) {
      const email = normalizeEmail(input.email);
      const existing = await accountByEmail(email);
      if (!existing && !deps.settings.allowNewAccounts && (await kit.isSetUp())) return null;
      // For an unknown address, the account it would become is named now, so its address can be
      // sealed under that account's key from the start.
      const userId = existing ?? randomUUID();
      const code = sixDigitCode();
      const { challengeId, position } = await deps.challenges.issue(
        {
          purpose: 'email_code', userId, secret: code, ttlMs: CODE_TTL_MS, maxAttempts: 5,
          emailClaim: deps.claims.streamOf('email', email), email: existing ? null : email,
        },
        context(request, null),
      );
      await kit.sendMail(email, { kind: 'login_code', code }, `mail:${challengeId}`);
      await settle(position, ['challenges']);
      return position;
    },

    /** POST /auth/verify-code: the newest code for the address logs in, or makes the account. */
    async verifyLoginCode(input: { email: string; code: string; totpCode?: string }, request: RequestInfo) {
      const email = normalizeEmail(input.email);
      const challengeId = await deps.challenges.latest('email_code', deps.claims.streamOf('email', email));
      if (!challengeId) refuse('invalid_credentials', 'The code is wrong');
      const challenge = await deps.challenges.load(challengeId!);
      const userId = challenge.issued!.userId;
      const existing = (await loadUser(userId)).status === 'active';
      // With 2FA on, the code alone is not enough; check before spending the code.
      if (existing) {
        const state = await loadUser(userId);
        if (state.totpSecret !== null && !input.totpCode) refuse('totp_required', 'A two-factor code is required');
      }
      const ctx = context(request, userId);
      await deps.challenges.answer(challengeId!, (state) => deps.challenges.secretMatches(state, input.code), ctx, wrongCode());
      if (!existing) {
        const username = `user_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
        return kit.registerAccount({ userId, username, passwordHash: null, email, emailVerified: true, displayName: null, method: 'email_code' }, request);
      }
      const sessionId = randomUUID();
      const now = deps.clock();
      const result = await onUser(userId, async (state) => ({
        type: 'StartSession',
        data: {
          sessionId, method: 'email_code', ip: request.ip, userAgent: request.userAgent, credentialsValid: true, now,
          secondFactor: await secondFactorFrom(state, input.totpCode, now),
        },
      }), ctx);
      kit.refuseFailedLogin(result.events);
      // Receiving the code proves the address too.
      const state = await loadUser(userId);
      let position = result.position;
      if (!state.emailVerified && state.emailClaim === challenge.issued!.emailClaim) {
        position = (await onUser(userId, () => ({ type: 'VerifyEmail', data: { emailClaim: state.emailClaim! } }), ctx)).position ?? position;
      }
      return kit.issue(userId, sessionId, position);
    },
  };
}
