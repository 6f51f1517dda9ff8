import { refuse } from '../shared/errors.js';
import { identityClaims } from './claims.js';
import type { CommandData } from './commands.js';
import type { UserEvent } from './events.js';
import { provePerson } from './security.js';
import { requireActive, type UserState } from './state.js';

/** By an admin: no login, every session ends. The superadmin is never disabled; only it disables an admin. */
export const disableUser = (data: CommandData<'DisableUser'>, state: UserState): UserEvent[] => {
  requireActive(state);
  if (state.disabled) return [];
  if (state.role === 'superadmin') return refuse('conflict', 'The superadmin cannot be disabled');
  if (state.isAdmin && data.byRole !== 'superadmin')
    return refuse('forbidden', 'Only the superadmin disables an admin');
  return [
    { type: 'UserDisabled', data: { by: data.by } },
    ...[...state.sessions].map(
      (sessionId): UserEvent => ({ type: 'SessionEnded', data: { sessionId, reason: 'account_disabled' } }),
    ),
  ];
};

export const enableUser = (data: CommandData<'EnableUser'>, state: UserState): UserEvent[] => {
  requireActive(state);
  return state.disabled ? [{ type: 'UserEnabled', data: { by: data.by } }] : [];
};

export const grantAdmin = (data: CommandData<'GrantAdmin'>, state: UserState): UserEvent[] => {
  requireActive(state);
  if (data.byRole !== 'superadmin') return refuse('forbidden', 'Only the superadmin grants or revokes admin');
  return state.isAdmin ? [] : [{ type: 'AdminGranted', data: { by: data.by } }];
};

export const revokeAdmin = (data: CommandData<'RevokeAdmin'>, state: UserState): UserEvent[] => {
  requireActive(state);
  if (data.byRole !== 'superadmin') return refuse('forbidden', 'Only the superadmin grants or revokes admin');
  if (state.role === 'superadmin') return refuse('conflict', 'The superadmin cannot be demoted');
  if (!state.isAdmin) return [];
  return [{ type: 'AdminRevoked', data: { by: data.by } }];
};

/** By its owner, with the password (when set) and the second factor; the superadmin is never deleted. */
export const deleteUser = (data: CommandData<'DeleteUser'>, state: UserState): UserEvent[] => {
  requireActive(state);
  if (state.role === 'superadmin') return refuse('conflict', 'The superadmin account cannot be deleted');
  const proof = provePerson(state, data);
  if ('failed' in proof) return proof.failed;
  // The first-account claim stays held: deleting the first admin never re-opens set-up.
  const released = [state.usernameClaim, state.emailClaim, ...identityClaims(state)].filter(
    (c): c is string => c !== null,
  );
  return [{ type: 'UserDeleted', data: { releasedClaims: released } }];
};
