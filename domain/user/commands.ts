import type { SessionEndReason, SessionMethod } from './events.js';

/**
 * Commands carry what the decision needs and nothing the domain could not know: checks that need
 * I/O (a bcrypt comparison, a claimed name) are made before and come in as facts.
 */
export type UserCommand =
  | {
      type: 'RegisterUser';
      data: {
        userId: string;
        username: string;
        usernameClaim: string;
        email: string | null;
        emailClaim: string | null;
        displayName: string | null;
        passwordHash: string | null;
        setupClaim: string | null;
        session: { sessionId: string; ip: string | null; userAgent: string | null };
      };
    }
  | {
      type: 'StartSession';
      data: { sessionId: string; method: SessionMethod; ip: string | null; userAgent: string | null; credentialsValid: boolean };
    }
  | { type: 'EndSession'; data: { sessionId: string; reason: SessionEndReason } }
  | {
      type: 'UpdateProfile';
      data: { displayName?: string | null; email?: { value: string; claim: string } | null };
    }
  | { type: 'ChangeUsername'; data: { username: string; usernameClaim: string; passwordValid: boolean } }
  | { type: 'ChangePassword'; data: { passwordHash: string; oldPasswordValid: boolean; currentSessionId: string } }
  | { type: 'SetInitialPassword'; data: { passwordHash: string } }
  | { type: 'DeleteUser'; data: { passwordValid: boolean | null } };
