import { refuse } from '../shared/errors.js';
import type { SecondFactor } from './commands.js';
import type { UserEvent } from './events.js';
import { loginFailure, refuseIfLocked } from './lockout.js';
import { passkeyUse } from './passkey-use.js';
import type { UserState } from './state.js';

export {
  failedLogin,
  LOCK_MS,
  loginFailure,
  MAX_FAILED_LOGINS,
  refuseIfLocked,
  type SecurityState,
} from './lockout.js';

/**
 * The proof a sensitive command needs (the password, when it asks for one, and the second factor
 * when 2FA is on; or a passkey of the account in place of both). A wrong password or code is recorded as a failed login, so that a stolen
 * session cannot guess them without limit: the fifth locks the account. `ok` holds the events
 * that record a second factor's use, so that no TOTP code works twice and no backup code again.
 */
export const proveIdentity = (
  state: UserState,
  proof: { passwordValid?: boolean; secondFactor: SecondFactor; now: Date },
  options: { allowBackupCode: boolean },
): { ok: UserEvent[] } | { failed: UserEvent[] } => {
  refuseIfLocked(state, proof.now);
  if (proof.passwordValid === false) return { failed: loginFailure(state, 'password', proof.now) };
  const factor = proof.secondFactor;
  // A passkey of the account as the second factor: its use is recorded (and its counter checked).
  if (factor.kind === 'passkey') return passkeyUse(state, factor, proof.now);
  if (state.totpSecret === null) return { ok: [] };
  switch (factor.kind) {
    case 'none':
      return refuse('totp_required', 'A two-factor code is required');
    case 'totp':
      if (!factor.valid || factor.timeStep === null) return { failed: loginFailure(state, 'totp', proof.now) };
      return { ok: [{ type: 'TotpCodeAccepted', data: { timeStep: factor.timeStep } }] };
    case 'backup':
      if (!options.allowBackupCode || !state.backupCodes.includes(factor.codeHash))
        return { failed: loginFailure(state, 'backup_code', proof.now) };
      return { ok: [{ type: 'BackupCodeUsed', data: { codeHash: factor.codeHash } }] };
  }
};

/** What a sensitive command is given as the person's proof (null password: none was sent). */
export interface PersonProofFacts {
  passwordValid: boolean | null;
  secondFactor: SecondFactor;
  now: Date;
}

/**
 * The proof of the person a sensitive change asks for, one rule for every such command:
 * - a passkey of the account whose authenticator verified the person (PIN, biometrics) proves it alone;
 * - else the password, when the account has one, with the second factor when 2FA is on (a code,
 *   or a passkey without user verification);
 * - an account without a password proves itself with a passkey if it has one, else its second
 *   factor when 2FA is on; an account with none of these has only its session to show.
 * A missing proof is 401 `invalid_credentials` / 403 `reauth_required`; a wrong one a failed
 * sign-in (5 lock the account).
 */
export const provePerson = (
  state: UserState,
  proof: PersonProofFacts,
  options: { allowBackupCode: boolean } = { allowBackupCode: false },
): { ok: UserEvent[] } | { failed: UserEvent[] } => {
  refuseIfLocked(state, proof.now);
  const factor = proof.secondFactor;
  if (factor.kind === 'passkey' && proof.passwordValid === null) {
    const use = passkeyUse(state, factor, proof.now);
    if ('failed' in use || factor.userVerified) return use;
    if (state.passwordHash !== null || state.totpSecret !== null)
      return refuse(
        'reauth_required',
        'This passkey did not verify you (no PIN or biometrics): send the password with it',
      );
    return use;
  }
  if (state.passwordHash !== null) {
    if (proof.passwordValid === null)
      return refuse('invalid_credentials', 'Send the password (with totp_code when 2FA is on), or a passkey');
    return proveIdentity(state, { ...proof, passwordValid: proof.passwordValid }, options);
  }
  if (state.passkeys.size > 0 && factor.kind !== 'passkey')
    return refuse('reauth_required', 'This account proves itself with one of its passkeys (`passkey`)');
  return proveIdentity(state, { secondFactor: factor, now: proof.now }, options);
};
