import { refuse } from '../shared/errors.js';
import type { CommandData } from './commands.js';
import type { UserEvent } from './events.js';
import { provePerson } from './security.js';
import { requireActive, type UserState } from './state.js';

type ProfileUpdate = CommandData<'UpdateProfile'>;

/** Moving the address needs the password (when the account has one) and the second factor: a stolen session must not. */
const proveForNewAddress = (reauth: ProfileUpdate['reauth'], state: UserState) => {
  if (
    !reauth ||
    (state.passwordHash !== null && reauth.passwordValid === null && reauth.secondFactor.kind !== 'passkey')
  )
    return refuse('invalid_credentials', 'Changing the email address needs the password');
  return provePerson(state, reauth);
};

/** Both names at once: a missing one keeps its value, and nothing is recorded when neither changes. */
const namesChanged = (names: ProfileUpdate['names'], state: UserState): UserEvent[] => {
  if (!names || (names.firstName === undefined && names.lastName === undefined)) return [];
  const next = {
    firstName: names.firstName !== undefined ? names.firstName : state.names.firstName,
    lastName: names.lastName !== undefined ? names.lastName : state.names.lastName,
  };
  return next.firstName !== state.names.firstName || next.lastName !== state.names.lastName
    ? [{ type: 'NameChanged', data: next }]
    : [];
};

/** The display name, the names and the address, each recorded only when given (the address only when it moves). */
export const updateProfile = (data: ProfileUpdate, state: UserState): UserEvent[] => {
  requireActive(state);
  const email = data.email;
  const movesEmail = email !== undefined && (email?.claim ?? null) !== state.emailClaim;
  const proof = movesEmail ? proveForNewAddress(data.reauth, state) : { ok: [] };
  if ('failed' in proof) return proof.failed;
  return [
    ...proof.ok,
    ...(data.displayName !== undefined
      ? [{ type: 'DisplayNameChanged', data: { displayName: data.displayName } } as UserEvent]
      : []),
    ...namesChanged(data.names, state),
    ...(movesEmail
      ? [
          {
            type: 'EmailChanged',
            data: {
              email: email?.value ?? null,
              emailClaim: email?.claim ?? null,
              previousEmailClaim: state.emailClaim,
            },
          } as UserEvent,
        ]
      : []),
  ];
};

/** A code sent to the current address verifies it; one sent to an older address is refused. */
export const verifyEmail = (data: CommandData<'VerifyEmail'>, state: UserState): UserEvent[] => {
  requireActive(state);
  if (data.emailClaim !== state.emailClaim)
    return refuse('conflict', 'The email address changed since this code was sent');
  return state.emailVerified ? [] : [{ type: 'EmailVerified', data }];
};

/** A new username for the password (and the second factor); the claim it gives up is named. */
export const changeUsername = (data: CommandData<'ChangeUsername'>, state: UserState): UserEvent[] => {
  requireActive(state);
  const proof = provePerson(state, data);
  if ('failed' in proof) return proof.failed;
  // The same name in another case keeps its claim and only changes how it is written.
  if (data.usernameClaim === state.usernameClaim && data.username === state.username) return [];
  return [
    {
      type: 'UsernameChanged',
      data: { username: data.username, usernameClaim: data.usernameClaim, previousUsernameClaim: state.usernameClaim! },
    },
    ...proof.ok,
  ];
};
