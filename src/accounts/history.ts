import type { DecodedEvent } from '../events/codec.js';

const SESSION_END: Record<string, string> = {
  logout: 'Signed out',
  revoked: 'Session revoked',
  password_changed: 'Session ended by a password change',
  account_deleted: 'Session ended by account deletion',
};

/** A line a person can read for each event of their own audit trail. */
export function summarize(event: DecodedEvent): string {
  const data = event.data as Record<string, any>;
  switch (event.type) {
    case 'UserRegistered':
      return data.isAdmin ? 'Account created (first account, administrator)' : 'Account created';
    case 'SessionStarted':
      return data.method === 'register' ? 'Signed in at registration' : `Signed in with ${data.method}`;
    case 'SessionEnded':
      return SESSION_END[data.reason as string] ?? 'Session ended';
    case 'DisplayNameChanged':
      return data.displayName === null ? 'Display name removed' : 'Display name changed';
    case 'EmailChanged':
      return data.emailClaim === null ? 'Email address removed' : 'Email address changed';
    case 'UsernameChanged':
      return 'Username changed';
    case 'PasswordChanged':
      return data.initial ? 'Password set' : 'Password changed';
    case 'UserDeleted':
      return 'Account deleted';
    default:
      return event.type;
  }
}
