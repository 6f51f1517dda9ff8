import { refuse } from '../shared/errors.js';
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
