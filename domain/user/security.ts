import { refuse } from '../shared/errors.js';
import type { SecondFactor } from './commands.js';
import type { LoginFailure, UserEvent } from './events.js';

/** Consecutive failed logins that lock an account, and for how long. */
export const MAX_FAILED_LOGINS = 5;
export const LOCK_MS = 15 * 60_000;

export interface SecurityState {
  totpSecret: string | null;
  lastTotpStep: number | null;
  backupCodes: readonly string[];
  failedLogins: number;
  lockedUntil: Date | null;
}

export const refuseIfLocked = (state: SecurityState, now: Date) => {
  if (state.lockedUntil && state.lockedUntil.getTime() > now.getTime()) {
    const seconds = Math.ceil((state.lockedUntil.getTime() - now.getTime()) / 1000);
    refuse('account_locked', 'Too many failed logins; the account is locked for a while', undefined, seconds);
  }
};

/** A failed login is recorded; the fifth in a row locks the account. */
export const loginFailure = (state: SecurityState, reason: LoginFailure, now: Date): UserEvent[] => {
  const consecutive = state.failedLogins + 1;
  const failed: UserEvent = { type: 'LoginFailed', data: { reason, consecutive } };
  if (consecutive < MAX_FAILED_LOGINS) return [failed];
  return [
    failed,
    { type: 'AccountLocked', data: { until: new Date(now.getTime() + LOCK_MS).toISOString(), failures: consecutive } },
  ];
};

/** Events that answer a login with a refusal after they are recorded. */
export const failedLogin = (events: UserEvent[]) => events.find((e) => e.type === 'LoginFailed');

/**
 * The proof a sensitive command needs (the password, when it asks for one, and the second factor
 * when 2FA is on). A wrong password or code is recorded as a failed login, so that a stolen
 * session cannot guess them without limit: the fifth locks the account. `ok` holds the events
 * that record a second factor's use, so that no TOTP code works twice and no backup code again.
 */
export const proveIdentity = (
  state: SecurityState,
  proof: { passwordValid?: boolean; secondFactor: SecondFactor; now: Date },
  options: { allowBackupCode: boolean },
): { ok: UserEvent[] } | { failed: UserEvent[] } => {
  refuseIfLocked(state, proof.now);
  if (proof.passwordValid === false) return { failed: loginFailure(state, 'password', proof.now) };
  if (state.totpSecret === null) return { ok: [] };
  const factor = proof.secondFactor;
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
