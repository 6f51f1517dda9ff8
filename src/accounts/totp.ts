import { randomUUID } from 'node:crypto';
import { DomainError, isDomainError, refuse } from '../../domain/shared/errors.js';
import type { Caller, RequestInfo } from './types.js';
import type { AccountServices } from './services.js';
import { CHALLENGE_TTL_MS, requireOpen } from '../../domain/challenge/decider.js';
import {
  checkTotp,
  hashBackupCode,
  newBackupCodes,
  newTotpSecret,
  secondFactorFrom,
  totpUri,
} from './second-factor.js';
import { loginNames } from './login-names.js';
import { newDeviceCheck, sessionFacts } from './new-devices.js';
import type { PersonProofInput } from './person-proofs.js';
import type { UserState } from '../../domain/user/decider.js';

/** Two-factor authentication with TOTP and single-use backup codes. */
export function totpAccounts(services: AccountServices) {
  const { deps, commandContext, awaitReadModels, decideForUser, loadUser, passwordCheck } = services;
  const { findAccount, refuseUnknown } = loginNames(services);

  /**
   * The code is checked against the pending secret first; a wrong one is recorded on the
   * challenge (the fifth burns it). A right one turns 2FA on in the account's own stream, whose
   * revision check lets exactly one of several racing requests win, and only then is the pending
   * secret marked used: a loser finds either 2FA on (409) or, later, the secret used with 2FA on.
   */
  const enableWithPendingSecret = async (caller: Caller, input: { code: string }, request: RequestInfo) => {
    const challengeId = await deps.challenges.latest('totp_setup', caller.userId);
    if (!challengeId) refuse('not_found', 'No pending two-factor set-up; start with GET /auth/totp');
    const ctx = commandContext(request, caller.userId);
    const now = deps.clock();
    const pending = await deps.challenges.load(challengeId!);
    requireOpen(pending, now);
    const checked = await checkTotp(pending.issued!.totpSecret!, input.code, now, null);
    if (!checked.valid) {
      await deps.challenges.answer(
        challengeId!,
        () => false,
        ctx,
        new DomainError('invalid_totp', 'The two-factor code is wrong'),
      );
      refuse('invalid_totp', 'The two-factor code is wrong');
    }
    const backup = newBackupCodes();
    const result = await decideForUser(
      caller.userId,
      () => ({
        type: 'EnableTotp',
        data: {
          secret: pending.issued!.totpSecret!,
          codeValid: true,
          timeStep: checked.timeStep,
          backupCodeHashes: backup.hashes,
        },
      }),
      ctx,
    );
    await deps.challenges
      .answer(challengeId!, () => true, ctx, new DomainError('invalid_totp', 'The two-factor code is wrong'))
      .catch(() => undefined);
    await awaitReadModels(result);
    return { backupCodes: backup.codes, position: result.position };
  };

  return {
    /** GET /auth/totp: a pending secret, valid 10 minutes, until a code from it turns 2FA on. */
    async startSetup(caller: Caller, request: RequestInfo) {
      const state = await loadUser(caller.userId);
      if (state.totpSecret !== null) refuse('conflict', 'Two-factor authentication is already on');
      const secret = newTotpSecret();
      const issued = await deps.challenges.issue(
        {
          purpose: 'totp_setup',
          userId: caller.userId,
          totpSecret: secret,
          ttlMs: CHALLENGE_TTL_MS.totp_setup,
          maxAttempts: 5,
        },
        commandContext(request, caller.userId),
      );
      await awaitReadModels(issued);
      return { secret, uri: totpUri(deps.settings.serviceName, state.username ?? caller.userId, secret) };
    },

    /**
     * POST /auth/totp: a code from the pending secret turns 2FA on; the backup codes are shown once.
     * A request that loses a race to turn it on (the pending secret was just used) is answered 409,
     * as one that comes after.
     */
    async enable(caller: Caller, input: { code: string }, request: RequestInfo) {
      try {
        return await enableWithPendingSecret(caller, input, request);
      } catch (error) {
        const spent = isDomainError(error) && (error.code === 'not_found' || error.code === 'challenge_used');
        if (spent && (await loadUser(caller.userId)).totpSecret !== null)
          refuse('conflict', 'Two-factor authentication is already on');
        throw error;
      }
    },

    /** DELETE /auth/totp: a TOTP code, a backup code, or a passkey of the account turns 2FA off. */
    async disable(
      caller: Caller,
      input: { code?: string; passkey?: PersonProofInput['passkey'] },
      request: RequestInfo,
    ) {
      const now = deps.clock();
      const proof = input.passkey
        ? await services.proofOf(caller.userId, { passkey: input.passkey }, request)
        : async (state: UserState) => ({ secondFactor: await secondFactorFrom(state, input.code, now), now });
      const result = await decideForUser(
        caller.userId,
        async (state) => {
          const { secondFactor } = await proof(state);
          return { type: 'DisableTotp', data: { secondFactor, now } };
        },
        commandContext(request, caller.userId),
      );
      services.refuseFailedLogin(result.events);
      await awaitReadModels(result);
      return result.position;
    },

    /** POST /auth/totp/backup-codes: new codes; the old ones die. */
    async regenerateBackupCodes(caller: Caller, input: { code: string }, request: RequestInfo) {
      const now = deps.clock();
      const backup = newBackupCodes();
      const result = await decideForUser(
        caller.userId,
        async (state) => ({
          type: 'RegenerateBackupCodes',
          data: { secondFactor: await secondFactorFrom(state, input.code, now), backupCodeHashes: backup.hashes, now },
        }),
        commandContext(request, caller.userId),
      );
      services.refuseFailedLogin(result.events);
      return { backupCodes: backup.codes, position: result.position };
    },

    /** POST /auth/totp/recover: password and a backup code sign in and turn 2FA off. */
    async recover(input: { username: string; password: string; backupCode: string }, request: RequestInfo) {
      // A password sign-in too: the same CAPTCHA gate and failure count as POST /auth.
      const failures = await services.passwordSignInGate(input.username, request);
      return recoverWith(input, request).catch(failures);
    },
  };

  async function recoverWith(input: { username: string; password: string; backupCode: string }, request: RequestInfo) {
    const userId = await findAccount(input.username);
    if (!userId) return refuseUnknown(input.username, input.password);
    const sessionId = randomUUID();
    const matches = passwordCheck(input.password);
    const now = deps.clock();
    const newDevice = await newDeviceCheck(deps.settings.newDeviceNotices, request, undefined, () =>
      services.verifiedEmailOf(userId),
    );
    const result = await decideForUser(
      userId,
      async (state) => ({
        type: 'RecoverWithBackupCode',
        data: {
          credentialsValid: await matches(state),
          codeHash: hashBackupCode(input.backupCode),
          ...sessionFacts(sessionId, request, now),
          ...(newDevice ? { newDevice } : {}),
          now,
        },
      }),
      commandContext(request, userId),
    );
    services.refuseFailedLogin(result.events);
    return services.issue(userId, sessionId, result);
  }
}
