import { refuse } from '../shared/errors.js';
import type { Decider } from '../shared/decider.js';
import type { UserCommand } from './commands.js';
import type { UserEvent } from './events.js';

export interface UserState {
  status: 'none' | 'active' | 'deleted';
  userId: string | null;
  /** As typed at registration or rename; null once erased. Lives only in memory. */
  username: string | null;
  passwordHash: string | null;
  isAdmin: boolean;
  usernameClaim: string | null;
  emailClaim: string | null;
  setupClaim: string | null;
  /** Ids of the sessions that are live. */
  sessions: ReadonlySet<string>;
}

export const initialState = (): UserState => ({
  status: 'none',
  userId: null,
  username: null,
  passwordHash: null,
  isAdmin: false,
  usernameClaim: null,
  emailClaim: null,
  setupClaim: null,
  sessions: new Set(),
});

const withSession = (sessions: ReadonlySet<string>, id: string, live: boolean) => {
  const next = new Set(sessions);
  if (live) next.add(id);
  else next.delete(id);
  return next;
};

export const evolve = (state: UserState, event: UserEvent): UserState => {
  switch (event.type) {
    case 'UserRegistered':
      return {
        ...state,
        status: 'active',
        userId: event.data.userId,
        username: event.data.username,
        passwordHash: event.data.passwordHash,
        isAdmin: event.data.isAdmin,
        usernameClaim: event.data.usernameClaim,
        emailClaim: event.data.emailClaim,
        setupClaim: event.data.setupClaim,
      };
    case 'SessionStarted':
      return { ...state, sessions: withSession(state.sessions, event.data.sessionId, true) };
    case 'SessionEnded':
      return { ...state, sessions: withSession(state.sessions, event.data.sessionId, false) };
    case 'DisplayNameChanged':
      return state;
    case 'EmailChanged':
      return { ...state, emailClaim: event.data.emailClaim };
    case 'UsernameChanged':
      return { ...state, username: event.data.username, usernameClaim: event.data.usernameClaim };
    case 'PasswordChanged':
      return { ...state, passwordHash: event.data.passwordHash };
    case 'UserDeleted':
      return { ...state, status: 'deleted', sessions: new Set(), username: null, usernameClaim: null, emailClaim: null };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
};

/** The claims an event gives up (the account held them until this event). */
export const claimsGivenUp = (event: UserEvent): string[] => {
  switch (event.type) {
    case 'UsernameChanged':
      return event.data.previousUsernameClaim === event.data.usernameClaim ? [] : [event.data.previousUsernameClaim];
    case 'EmailChanged':
      return event.data.previousEmailClaim && event.data.previousEmailClaim !== event.data.emailClaim ? [event.data.previousEmailClaim] : [];
    case 'UserDeleted':
      return event.data.releasedClaims;
    default:
      return [];
  }
};

/** The claims (unique-* stream names) the account holds now. */
export const heldClaims = (state: UserState): string[] =>
  [state.usernameClaim, state.emailClaim, state.setupClaim].filter((c): c is string => c !== null);

const requireActive = (state: UserState) => {
  if (state.status !== 'active') refuse('not_found', 'No such account');
};

export const decide = (command: UserCommand, state: UserState): UserEvent[] => {
  switch (command.type) {
    case 'RegisterUser': {
      if (state.status !== 'none') return refuse('conflict', 'This account already exists');
      const { session, ...data } = command.data;
      return [
        { type: 'UserRegistered', data: { ...data, isAdmin: data.setupClaim !== null } },
        { type: 'SessionStarted', data: { sessionId: session.sessionId, method: 'register', ip: session.ip, userAgent: session.userAgent } },
      ];
    }
    case 'StartSession': {
      // An unknown or deleted account and a wrong password must be indistinguishable.
      if (state.status !== 'active' || !command.data.credentialsValid) return refuse('invalid_credentials', 'Invalid username or password');
      const { credentialsValid: _, ...data } = command.data;
      return [{ type: 'SessionStarted', data }];
    }
    case 'EndSession': {
      requireActive(state);
      if (!state.sessions.has(command.data.sessionId)) return refuse('not_found', 'No such session');
      return [{ type: 'SessionEnded', data: command.data }];
    }
    case 'UpdateProfile': {
      requireActive(state);
      const events: UserEvent[] = [];
      if (command.data.displayName !== undefined) {
        events.push({ type: 'DisplayNameChanged', data: { displayName: command.data.displayName } });
      }
      const email = command.data.email;
      if (email !== undefined && (email?.claim ?? null) !== state.emailClaim) {
        events.push({
          type: 'EmailChanged',
          data: { email: email?.value ?? null, emailClaim: email?.claim ?? null, previousEmailClaim: state.emailClaim },
        });
      }
      return events;
    }
    case 'ChangeUsername': {
      requireActive(state);
      if (!command.data.passwordValid) return refuse('invalid_credentials', 'The password is wrong');
      // The same name in another case keeps its claim and only changes how it is written.
      if (command.data.usernameClaim === state.usernameClaim && command.data.username === state.username) return [];
      return [
        {
          type: 'UsernameChanged',
          data: { username: command.data.username, usernameClaim: command.data.usernameClaim, previousUsernameClaim: state.usernameClaim! },
        },
      ];
    }
    case 'ChangePassword': {
      requireActive(state);
      if (state.passwordHash === null) return refuse('conflict', 'The account has no password yet; set one first');
      if (!command.data.oldPasswordValid) return refuse('invalid_credentials', 'The old password is wrong');
      const others = [...state.sessions].filter((id) => id !== command.data.currentSessionId);
      return [
        { type: 'PasswordChanged', data: { passwordHash: command.data.passwordHash, initial: false } },
        ...others.map((sessionId): UserEvent => ({ type: 'SessionEnded', data: { sessionId, reason: 'password_changed' } })),
      ];
    }
    case 'SetInitialPassword': {
      requireActive(state);
      if (state.passwordHash !== null) return refuse('conflict', 'The account already has a password');
      return [{ type: 'PasswordChanged', data: { passwordHash: command.data.passwordHash, initial: true } }];
    }
    case 'DeleteUser': {
      requireActive(state);
      if (state.passwordHash !== null && command.data.passwordValid !== true) {
        return refuse('invalid_credentials', 'The account password is required and must be right');
      }
      // The first-account claim stays held: deleting the first admin never re-opens set-up.
      const released = [state.usernameClaim, state.emailClaim].filter((c): c is string => c !== null);
      return [{ type: 'UserDeleted', data: { releasedClaims: released } }];
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
};

export const userDecider: Decider<UserCommand, UserEvent, UserState> = { initialState, evolve, decide };
