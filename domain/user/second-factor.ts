import { refuse } from '../shared/errors.js';
import type { CommandData } from './commands.js';
import type { UserEvent } from './events.js';
import { proveIdentity } from './security.js';
import { requireActive, type UserState } from './state.js';

/** Turns TOTP on with a right code from the pending secret; that code is spent. */
export const enableTotp = (data: CommandData<'EnableTotp'>, state: UserState): UserEvent[] => {
  requireActive(state);
  if (state.totpSecret !== null) return refuse('conflict', 'Two-factor authentication is already on');
  if (!data.codeValid || data.timeStep === null) return refuse('invalid_totp', 'The two-factor code is wrong');
  return [
    { type: 'TotpEnabled', data: { secret: data.secret, backupCodeHashes: data.backupCodeHashes } },
    { type: 'TotpCodeAccepted', data: { timeStep: data.timeStep } },
  ];
};

/** Turns TOTP off with a code (a backup code too); a wrong one is a failed login. */
export const disableTotp = (data: CommandData<'DisableTotp'>, state: UserState): UserEvent[] => {
  requireActive(state);
  if (state.totpSecret === null) return refuse('conflict', 'Two-factor authentication is not on');
  const proof = proveIdentity(state, data, { allowBackupCode: true });
  if ('failed' in proof) return proof.failed;
  return [...proof.ok, { type: 'TotpDisabled', data: { reason: 'user' } }];
};

/** New backup codes for a code (a backup code too); the old ones die. */
export const regenerateBackupCodes = (data: CommandData<'RegenerateBackupCodes'>, state: UserState): UserEvent[] => {
  requireActive(state);
  if (state.totpSecret === null) return refuse('conflict', 'Two-factor authentication is not on');
  const proof = proveIdentity(state, data, { allowBackupCode: true });
  if ('failed' in proof) return proof.failed;
  return [...proof.ok, { type: 'BackupCodesRegenerated', data: { backupCodeHashes: data.backupCodeHashes } }];
};
