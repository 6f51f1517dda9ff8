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
  // A passkey proves the person on its own (possession, and the device's own check): its use is recorded.
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
