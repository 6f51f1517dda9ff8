import { refuse } from '../shared/errors.js';
import type { CommandData } from './commands.js';
import { usrKeyReplaced } from './credentials.js';
import type { UserEvent } from './events.js';
import { requireActive, type UserState } from './state.js';

/**
 * "This wasn't me": every session ends, every device is forgotten, the user key is replaced, and
 * the next password sign-in needs a reset by mail (whoever signed in may know the password).
 */
export const disownSignIn = (data: CommandData<'DisownSignIn'>, state: UserState): UserEvent[] => {
  requireActive(state);
  if (state.disownedBy.has(data.challengeId)) return refuse('challenge_used', 'This link was already used');
  const sessions = [...state.sessions];
  const devices = state.trustedDevices.size;
  return [
    ...sessions.map((sessionId): UserEvent => ({ type: 'SessionEnded', data: { sessionId, reason: 'wasnt_me' } })),
    ...(devices ? [{ type: 'DevicesForgotten', data: { count: devices } } as UserEvent] : []),
    usrKeyReplaced(state, data.newUsr),
    {
      type: 'SignInDisowned',
      data: {
        challengeId: data.challengeId,
        sessionId: data.sessionId,
        endedSessions: sessions.length,
        forgottenDevices: devices,
        revokedCredentials: data.revokedCredentials,
      },
    },
  ];
};
