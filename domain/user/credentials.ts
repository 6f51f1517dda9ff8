import { refuse } from '../shared/errors.js';
import type { CommandData } from './commands.js';
import type { UserEvent } from './events.js';
import { reclaimedBy } from './reclaim.js';
import { proveIdentity } from './security.js';
import { sessionStarted } from './sessions.js';
import { requireActive, type UserState } from './state.js';

/** A new legacy user key, naming the one it replaces. */
export const usrKeyReplaced = (state: UserState, usr: { key: string; hash: string }): UserEvent => ({
  type: 'UsrKeyIssued',
  data: { usrKey: usr.key, usrHash: usr.hash, previousUsrHash: state.usrHash },
});

/** The old password (and the second factor) proves the person; every other session ends. */
export const changePassword = (data: CommandData<'ChangePassword'>, state: UserState): UserEvent[] => {
  requireActive(state);
  if (state.passwordHash === null) return refuse('conflict', 'The account has no password yet; set one first');
  const proof = proveIdentity(state, { ...data, passwordValid: data.oldPasswordValid }, { allowBackupCode: false });
  if ('failed' in proof) return proof.failed;
  const others = [...state.sessions].filter((id) => id !== data.currentSessionId);
  return [
    { type: 'PasswordChanged', data: { passwordHash: data.passwordHash, initial: false } },
    ...others.map(
      (sessionId): UserEvent => ({ type: 'SessionEnded', data: { sessionId, reason: 'password_changed' } }),
    ),
    ...(data.newUsr ? [usrKeyReplaced(state, data.newUsr)] : []),
    ...proof.ok,
  ];
};

/** A first password for an account made without one. */
export const setInitialPassword = (data: CommandData<'SetInitialPassword'>, state: UserState): UserEvent[] => {
  requireActive(state);
  if (state.passwordHash !== null) return refuse('conflict', 'The account already has a password');
  return [{ type: 'PasswordChanged', data: { passwordHash: data.passwordHash, initial: true } }];
};

/** A reset link: a new password, every session ends and the user key is replaced. */
export const resetPassword = (data: CommandData<'ResetPassword'>, state: UserState): UserEvent[] => {
  requireActive(state);
  // The link proved the address: an unverified one reclaims the account first (its sessions end there).
  const reclaimed = reclaimedBy(state, 'password_reset');
  const live = reclaimed.some((e) => e.type === 'SessionEnded') ? [] : [...state.sessions];
  return [
    ...reclaimed,
    {
      type: 'PasswordChanged',
      data: { passwordHash: data.passwordHash, initial: state.passwordHash === null, reset: true },
    },
    ...live.map((sessionId): UserEvent => ({ type: 'SessionEnded', data: { sessionId, reason: 'password_reset' } })),
    usrKeyReplaced(state, data.newUsr),
  ];
};

/** An email code proved a never-verified address: the account is reclaimed and the prover signed in. */
export const reclaimByEmailCode = (data: CommandData<'ReclaimByEmailCode'>, state: UserState): UserEvent[] => {
  requireActive(state);
  if (state.emailClaim !== data.emailClaim)
    return refuse('conflict', 'The email address changed since this code was sent');
  if (state.emailVerified) return refuse('conflict', 'The address is verified: sign in with the code instead');
  // Said to the person who proved the address: an admin's decision stands.
  if (state.disabled) return refuse('account_disabled', 'This account is disabled');
  return [
    ...reclaimedBy(state, 'email_code'),
    ...(state.passwordHash !== null
      ? [{ type: 'PasswordRemoved', data: { reason: 'account_reclaimed' } } as UserEvent]
      : []),
    usrKeyReplaced(state, data.newUsr),
    sessionStarted({ ...data.session, method: 'email_code' }),
  ];
};

/** A new user key: with the password as proof, or none when the sign-in is recent enough (`reauth` null). */
export const rotateUsrKey = (data: CommandData<'RotateUsrKey'>, state: UserState): UserEvent[] => {
  requireActive(state);
  if (!data.reauth) return [usrKeyReplaced(state, data)];
  if (state.passwordHash === null)
    return refuse('reauth_required', 'This account has no password: sign in again, then replace the key');
  const proof = proveIdentity(state, data.reauth, { allowBackupCode: false });
  if ('failed' in proof) return proof.failed;
  return [usrKeyReplaced(state, data), ...proof.ok];
};
