import { roleOf } from '../../domain/user/decider.js';
import type { Role, SessionEndReason } from '../../domain/user/events.js';
import type { DecodedEvent } from '../events/codec.js';
import { identityKindOf, identityKinds, type LoginMethodFacts } from './login-methods.js';

const SESSION_END: Record<string, string> = {
  logout: 'Signed out',
  revoked: 'Session revoked',
  password_changed: 'Session ended by a password change',
  password_reset: 'Session ended by a password reset',
  account_disabled: 'Session ended: the account was disabled',
  account_deleted: 'Session ended by account deletion',
  account_reclaimed: 'Session ended: the account was reclaimed by its address',
  wasnt_me: 'Session ended: a sign-in was reported as not the owner ("this wasn\'t me")',
} satisfies Record<SessionEndReason, string>;

/** Sessions no login method starts on its own: the one a registration opens, and two-factor recovery. */
const SIGN_IN: Record<string, string> = {
  register: 'Signed in at registration',
  totp_recovery: 'Signed in with a backup code (two-factor recovery)',
};

const FAILURE: Record<string, string> = {
  password: 'Failed sign-in: wrong password',
  totp: 'Failed sign-in: wrong two-factor code',
  backup_code: 'Failed sign-in: wrong backup code',
};

/** A line a person can read for each event of their own audit trail; each login method words its own. */
export const historyLines =
  (methods: readonly LoginMethodFacts[]) =>
  (event: DecodedEvent): string =>
    summarize(event, methods);

function summarize(event: DecodedEvent, methods: readonly LoginMethodFacts[]): string {
  const data = event.data as Record<string, any>;
  const method = typeof data.method === 'string' ? data.method : '';
  const identity = () => identityKindOf(identityKinds(methods), method);
  switch (event.type) {
    case 'UserRegistered':
      if (roleOf(data as { role?: Role; isAdmin: boolean }) === 'superadmin')
        return 'Account created (first account, superadmin)';
      if (data.createdBy) return `Account created by an admin${data.role === 'admin' ? ' as an admin' : ''}`;
      if (data.invitedBy) return 'Account created with an invite';
      return 'Account created';
    case 'NameChanged':
      return 'Name changed';
    case 'SessionStarted':
      return (
        SIGN_IN[method] ??
        methods.map((m) => m.signedIn(method)).find((line) => line !== undefined) ??
        `Signed in with ${method}`
      );
    case 'SessionProved':
      return 'Proved it is you again (for a sensitive change)';
    case 'DataExported':
      return "Downloaded a copy of the account's data";
    case 'NewDeviceSignIn':
      return `Sign-in from a device new to the account (${data.device ?? 'a device'}${data.network ? `, network ${data.network}` : ''})`;
    case 'SignInDisowned':
      return `"This wasn't me": ${data.endedSessions} session(s) ended, ${data.forgottenDevices} device(s) forgotten, ${data.revokedCredentials} API key(s) and ACL token(s) revoked; the next password sign-in needs a reset`;
    case 'SessionEnded':
      return SESSION_END[data.reason as string] ?? 'Session ended';
    case 'DisplayNameChanged':
      return data.displayName === null ? 'Display name removed' : 'Display name changed';
    case 'EmailChanged':
      return data.emailClaim === null ? 'Email address removed' : 'Email address changed';
    case 'UsernameChanged':
      return 'Username changed';
    case 'EmailVerified':
      return 'Email address verified';
    case 'PasswordChanged':
      return data.reset ? 'Password reset by email' : data.initial ? 'Password set' : 'Password changed';
    case 'LoginFailed':
      return `${FAILURE[data.reason as string] ?? 'Failed sign-in'} (${data.consecutive} in a row)`;
    case 'AccountLocked':
      return `Locked after ${data.failures} failed sign-ins, until ${data.until}`;
    case 'TotpEnabled':
      return 'Two-factor authentication turned on';
    case 'TotpDisabled':
      if (data.reason === 'reclaimed')
        return 'Two-factor authentication ended: the account was reclaimed by its address';
      return data.reason === 'recovery'
        ? 'Two-factor authentication turned off by recovery'
        : 'Two-factor authentication turned off';
    case 'TotpCodeAccepted':
      return 'Two-factor code accepted';
    case 'BackupCodesRegenerated':
      return 'New backup codes made; the old ones no longer work';
    case 'BackupCodeUsed':
      return 'A backup code was used';
    case 'UsrKeyIssued':
      return data.previousUsrHash ? 'New user key made; the old one no longer works' : 'User key made';
    case 'IdentityLinked':
      return identity()?.linked(method) ?? `${method} identity linked`;
    case 'IdentityUnlinked':
      return identity()?.unlinked(method) ?? `${method} identity unlinked`;
    case 'PasskeyAdded':
      return `Passkey "${data.name}" added (${data.backedUp ? 'synced across devices' : 'on one device'})`;
    case 'PasskeyRenamed':
      return `Passkey renamed to "${data.name}"`;
    case 'PasskeyUsed':
      return 'Passkey used';
    case 'PasskeyCounterRegressed':
      return 'Refused a passkey whose signature counter went backwards: a copy of it may exist';
    case 'UserDisabled':
      return 'Account disabled by an admin';
    case 'UserEnabled':
      return 'Account enabled by an admin';
    case 'AdminGranted':
      return 'Made an administrator';
    case 'AdminRevoked':
      return 'No longer an administrator';
    case 'UserDeleted':
      return 'Account deleted';
    case 'AccountReclaimed':
      return `Reclaimed by its never-verified address (${data.via === 'email_code' ? 'an email code' : 'a reset link'}): everything set up before ends`;
    case 'PasswordRemoved':
      return 'Password removed: the account was reclaimed by its address';
    default:
      return event.type;
  }
}
