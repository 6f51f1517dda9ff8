import { refuse } from '../shared/errors.js';
import type { CommandData, SessionFacts } from './commands.js';
import { holdsTrustedDevice, newDeviceSignIn } from './new-device.js';
import { passkeyUse } from './passkey-use.js';
import type { SessionMethod, UserEvent } from './events.js';
import { loginFailure, provePerson, refuseIfLocked } from './security.js';
import { requireActive, type UserState } from './state.js';

/** A session's start, as every way in records it (the command may carry more than the event keeps). */
export const sessionStarted = (data: SessionFacts & { method: SessionMethod }): UserEvent => ({
  type: 'SessionStarted',
  data: {
    sessionId: data.sessionId,
    method: data.method,
    ip: data.ip,
    userAgent: data.userAgent,
    ...(data.device && data.at ? { device: data.device, at: data.at } : {}),
  },
});

/** What a sign-in checks before its second factor; the failure to record when the credentials were wrong, else null. */
const firstFactorFailure = (
  state: UserState,
  credentialsValid: boolean,
  now: Date,
  /** A passkey sign-in whose assertion failed: what records it (a cloned authenticator too). */
  passkeyFailure: UserEvent[] | null = null,
): UserEvent[] | null => {
  // An unknown or deleted account and a wrong password must be indistinguishable.
  if (state.status !== 'active') return refuse('invalid_credentials', 'Invalid username or password');
  refuseIfLocked(state, now);
  if (passkeyFailure) return passkeyFailure;
  if (!credentialsValid) return loginFailure(state, 'password', now);
  // Said only to someone who proved the password.
  if (state.disabled) return refuse('account_disabled', 'This account is disabled');
  return null;
};

export const startSession = (data: CommandData<'StartSession'>, state: UserState): UserEvent[] => {
  const { now, secondFactor, passkey } = data;
  // A passkey sign-in: the assertion is the first factor; a cloned one is recorded and refused.
  const firstUse = passkey ? passkeyUse(state, passkey, now) : { ok: [] };
  const failed = firstFactorFailure(state, data.credentialsValid, now, 'failed' in firstUse ? firstUse.failed : null);
  if (failed) return failed;
  const used = 'ok' in firstUse ? firstUse.ok : [];
  // The session, what the sign-in used, and a notice when the device is new to the account. A
  // password sign-in after "this wasn't me" is refused here, once every factor held.
  const started = (...more: UserEvent[]) => {
    if (data.method === 'password') refuseIfResetRequired(state);
    // The legacy user key is one secret with no second factor: not enough for an admin (said only to its holder).
    if (data.method === 'usr' && state.role !== 'user')
      refuse('usr_login_not_allowed_for_admin', 'An admin account cannot sign in with the user key alone');
    return [sessionStarted(data), ...used, ...more, ...newDeviceSignIn(state, data)];
  };
  // A passkey that checked the person is two factors already (possession and a PIN or biometrics).
  if (state.totpSecret === null || passkey?.userVerified) return started();
  // A device the account trusts (it passed the second factor before, and is not expired) skips it.
  if (holdsTrustedDevice(state, data.trustedDevice, now)) return started();
  const remembered: UserEvent[] = data.rememberDevice ? [{ type: 'DeviceTrusted', data: data.rememberDevice }] : [];
  if (secondFactor.kind === 'passkey') {
    const second = passkeyUse(state, secondFactor, now);
    return 'failed' in second ? second.failed : started(...second.ok, ...remembered);
  }
  if (secondFactor.kind === 'none') return refuse('totp_required', 'A two-factor code is required');
  if (secondFactor.kind !== 'totp' || !secondFactor.valid || secondFactor.timeStep === null)
    return loginFailure(state, 'totp', now);
  return started({ type: 'TotpCodeAccepted', data: { timeStep: secondFactor.timeStep } }, ...remembered);
};

/** After "this wasn't me", the password alone no longer signs in: said only to someone who proved it. */
const refuseIfResetRequired = (state: UserState) => {
  if (state.passwordResetRequired)
    refuse(
      'password_reset_required',
      'A sign-in to this account was reported as not its owner: reset the password by mail (POST /auth/reset-password) first',
    );
};

export const forgetDevice = (data: CommandData<'ForgetDevice'>, state: UserState): UserEvent[] => {
  requireActive(state);
  if (!state.trustedDevices.has(data.deviceId)) return refuse('not_found', 'No such trusted device');
  return [{ type: 'DeviceForgotten', data }];
};

export const forgetDevices = (_data: CommandData<'ForgetDevices'>, state: UserState): UserEvent[] => {
  requireActive(state);
  const count = state.trustedDevices.size;
  return count ? [{ type: 'DevicesForgotten', data: { count } }] : [];
};

/**
 * A live session's person proves it is them again (step-up). What counts: a passkey of the
 * account; else the password (with the second factor when 2FA is on); an account with no password
 * gives its second factor. Wrong proofs are failed sign-ins (5 lock the account).
 */
export const proveSession = (data: CommandData<'ProveSession'>, state: UserState): UserEvent[] => {
  requireActive(state);
  if (!state.sessions.has(data.sessionId)) return refuse('token_revoked', 'This session has ended');
  const { passwordValid, secondFactor } = data.reauth;
  // Nothing to weigh is no proof: an account with only its session signs in again instead.
  if (passwordValid === null && secondFactor.kind === 'none')
    return refuse('reauth_required', 'Send the password (and totp_code with 2FA on), a passkey, or sign in again');
  const proof = provePerson(state, data.reauth);
  if ('failed' in proof) return proof.failed;
  return [{ type: 'SessionProved', data: { sessionId: data.sessionId } }, ...proof.ok];
};

export const endSessions = (data: CommandData<'EndSessions'>, state: UserState): UserEvent[] => {
  requireActive(state);
  return data.sessionIds
    .filter((sessionId) => state.sessions.has(sessionId))
    .map((sessionId) => ({ type: 'SessionEnded', data: { sessionId, reason: data.reason } }));
};

export const endSession = (data: CommandData<'EndSession'>, state: UserState): UserEvent[] => {
  requireActive(state);
  if (!state.sessions.has(data.sessionId)) return refuse('not_found', 'No such session');
  return [{ type: 'SessionEnded', data }];
};

/** Two-factor recovery: the password and a backup code sign in, spend the code and turn two-factor off. */
export const recoverWithBackupCode = (data: CommandData<'RecoverWithBackupCode'>, state: UserState): UserEvent[] => {
  const { now, codeHash } = data;
  const failed = firstFactorFailure(state, data.credentialsValid, now);
  if (failed) return failed;
  if (state.totpSecret === null) return refuse('conflict', 'Two-factor authentication is not on');
  if (!state.backupCodes.includes(codeHash)) return loginFailure(state, 'backup_code', now);
  refuseIfResetRequired(state);
  const session = { ...data, method: 'totp_recovery' as const };
  return [
    { type: 'BackupCodeUsed', data: { codeHash } },
    { type: 'TotpDisabled', data: { reason: 'recovery' } },
    sessionStarted(session),
    ...newDeviceSignIn(state, session),
  ];
};

/** A wrong email code for this account: it counts toward the lockout like a wrong password. */
export const recordFailedCode = (data: CommandData<'RecordFailedCode'>, state: UserState): UserEvent[] => {
  requireActive(state);
  return loginFailure(state, 'email_code', data.now);
};
