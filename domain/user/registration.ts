import { refuse } from '../shared/errors.js';
import type { CommandData } from './commands.js';
import type { Role, UserEvent } from './events.js';
import { passkeyAdded } from './passkeys.js';
import { sessionStarted } from './sessions.js';
import type { UserState } from './state.js';

/**
 * A new account with its user key, and what it was made with: a linked key or identity, a
 * verified address, names, a first session. The holder of the set-up claim is the superadmin.
 */
export const registerUser = (data: CommandData<'RegisterUser'>, state: UserState): UserEvent[] => {
  if (state.status !== 'none') return refuse('conflict', 'This account already exists');
  const {
    session,
    emailVerified,
    usr,
    identity,
    passkey,
    role: asked,
    createdBy,
    mustResetPassword,
    invitedBy,
    names,
    ...account
  } = data;
  const role: Role = account.setupClaim !== null ? 'superadmin' : (asked ?? 'user');
  return [
    {
      type: 'UserRegistered',
      data: {
        ...account,
        isAdmin: role !== 'user',
        role,
        ...(createdBy ? { createdBy } : {}),
        ...(mustResetPassword ? { mustResetPassword: true } : {}),
        ...(invitedBy ? { invitedBy } : {}),
      },
    },
    { type: 'UsrKeyIssued', data: { usrKey: usr.key, usrHash: usr.hash, previousUsrHash: null } },
    ...(identity ? [{ type: 'IdentityLinked', data: identity } as UserEvent] : []),
    ...(passkey ? passkeyAdded(passkey) : []),
    ...(emailVerified && account.emailClaim
      ? [{ type: 'EmailVerified', data: { emailClaim: account.emailClaim } } as UserEvent]
      : []),
    ...(names && (names.firstName !== null || names.lastName !== null)
      ? [{ type: 'NameChanged', data: names } as UserEvent]
      : []),
    ...(session ? [sessionStarted({ ...session, method: session.method ?? 'register' })] : []),
  ];
};
