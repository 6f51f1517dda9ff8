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
  return [failed, { type: 'AccountLocked', data: { until: new Date(now.getTime() + LOCK_MS).toISOString(), failures: consecutive } }];
};

/**
 * The second factor a sensitive command needs when 2FA is on; the events record its use, so that
 * no TOTP code works twice and no backup code works again.
 */
export const requireSecondFactor = (state: SecurityState, factor: SecondFactor, options: { allowBackupCode: boolean }): UserEvent[] => {
  if (state.totpSecret === null) return [];
  switch (factor.kind) {
    case 'none':
      return refuse('totp_required', 'A two-factor code is required');
    case 'totp':
      if (!factor.valid || factor.timeStep === null) return refuse('invalid_totp', 'The two-factor code is wrong or was already used');
      return [{ type: 'TotpCodeAccepted', data: { timeStep: factor.timeStep } }];
    case 'backup':
      if (!options.allowBackupCode || !state.backupCodes.includes(factor.codeHash)) return refuse('invalid_totp', 'The code is wrong or was already used');
      return [{ type: 'BackupCodeUsed', data: { codeHash: factor.codeHash } }];
  }
};
