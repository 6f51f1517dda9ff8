import { describe, it } from 'vitest';
import type { SecondFactor, UserCommand } from '../../domain/user/commands.js';
import { userDecider } from '../../domain/user/decider.js';
import type { UserEvent } from '../../domain/user/events.js';
import { LOCK_MS } from '../../domain/user/security.js';
import { specFor } from '../support/decider.js';

const given = specFor(userDecider);
const now = new Date('2026-06-01T12:00:00.000Z');
const later = (ms: number) => new Date(now.getTime() + ms);
const none: SecondFactor = { kind: 'none' };
const totp = (valid: boolean, timeStep = 100): SecondFactor => ({
  kind: 'totp',
  valid,
  timeStep: valid ? timeStep : null,
});
const backup = (codeHash: string): SecondFactor => ({ kind: 'backup', codeHash });

const registered: UserEvent = {
  type: 'UserRegistered',
  data: {
    userId: 'u1',
    username: 'ada',
    usernameClaim: 'unique-username-a',
    email: 'ada@x.test',
    emailClaim: 'unique-email-a',
    displayName: null,
    passwordHash: '$2b$hash',
    isAdmin: false,
    setupClaim: null,
  },
};
const totpOn: UserEvent = { type: 'TotpEnabled', data: { secret: 'JBSWY3DPEHPK3PXP', backupCodeHashes: ['h1', 'h2'] } };
const failed = (consecutive: number, reason: 'password' | 'totp' = 'password'): UserEvent => ({
  type: 'LoginFailed',
  data: { reason, consecutive },
});
const started = (sessionId = 's1', method: 'password' | 'totp_recovery' | 'email_code' = 'password'): UserEvent => ({
  type: 'SessionStarted',
  data: { sessionId, method, ip: null, userAgent: null },
});
const login = (credentialsValid: boolean, secondFactor: SecondFactor = none, at = now): UserCommand => ({
  type: 'StartSession',
  data: { sessionId: 's1', method: 'password', ip: null, userAgent: null, credentialsValid, secondFactor, now: at },
});
const locked: UserEvent = { type: 'AccountLocked', data: { until: later(LOCK_MS).toISOString(), failures: 5 } };

describe('user decider: lockout', () => {
  it('counts consecutive failures', () =>
    given([registered, failed(1), failed(2)])
      .when(login(false))
      .then([failed(3)]));
  it('the fifth failure in a row locks the account for 15 minutes', () =>
    given([registered, failed(1), failed(2), failed(3), failed(4)])
      .when(login(false))
      .then([failed(5), locked]));
  it('a locked account refuses even the right password with account_locked', () =>
    given([registered, failed(4), failed(5), locked])
      .when(login(true, none, later(60_000)))
      .thenRefuses('account_locked'));
  it('the lock ends after 15 minutes', () =>
    given([registered, failed(5), locked])
      .when(login(true, none, later(LOCK_MS)))
      .then([started()]));
  it('a success resets the count', () =>
    given([registered, failed(1), failed(2), failed(3), failed(4), started('s0')])
      .when(login(false))
      .then([failed(1)]));
  it('a password reset lifts the lock', () =>
    given([registered, locked, { type: 'PasswordChanged', data: { passwordHash: 'h', initial: false, reset: true } }])
      .when(login(true))
      .then([started()]));
});

describe('user decider: two-factor', () => {
  it('a login with 2FA on and no code is refused with totp_required, and not counted', () =>
    given([registered, totpOn]).when(login(true)).thenRefuses('totp_required'));
  it('a wrong code is a failed login', () =>
    given([registered, totpOn])
      .when(login(true, totp(false)))
      .then([failed(1, 'totp')]));
  it('a right code starts the session and records its time step', () =>
    given([registered, totpOn])
      .when(login(true, totp(true, 77)))
      .then([started(), { type: 'TotpCodeAccepted', data: { timeStep: 77 } }]));
  it('a backup code does not sign in (recover does)', () =>
    given([registered, totpOn])
      .when(login(true, backup('h1')))
      .then([failed(1, 'totp')]));
  it('the second factor is not asked when the password is wrong', () =>
    given([registered, totpOn])
      .when(login(false))
      .then([failed(1)]));

  it('enables with a right code from the pending secret', () =>
    given([registered])
      .when({ type: 'EnableTotp', data: { secret: 'S', codeValid: true, timeStep: 5, backupCodeHashes: ['b'] } })
      .then([
        { type: 'TotpEnabled', data: { secret: 'S', backupCodeHashes: ['b'] } },
        { type: 'TotpCodeAccepted', data: { timeStep: 5 } },
      ]));
  it('refuses to enable with a wrong code', () =>
    given([registered])
      .when({ type: 'EnableTotp', data: { secret: 'S', codeValid: false, timeStep: null, backupCodeHashes: [] } })
      .thenRefuses('invalid_totp'));
  it('refuses to enable twice', () =>
    given([registered, totpOn])
      .when({ type: 'EnableTotp', data: { secret: 'S', codeValid: true, timeStep: 5, backupCodeHashes: [] } })
      .thenRefuses('conflict'));

  it('disables with a TOTP code', () =>
    given([registered, totpOn])
      .when({ type: 'DisableTotp', data: { secondFactor: totp(true, 9), now } })
      .then([
        { type: 'TotpCodeAccepted', data: { timeStep: 9 } },
        { type: 'TotpDisabled', data: { reason: 'user' } },
      ]));
  it('disables with a backup code, spending it', () =>
    given([registered, totpOn])
      .when({ type: 'DisableTotp', data: { secondFactor: backup('h2'), now } })
      .then([
        { type: 'BackupCodeUsed', data: { codeHash: 'h2' } },
        { type: 'TotpDisabled', data: { reason: 'user' } },
      ]));
  it('refuses to disable without a code; a wrong or spent code is a recorded failure that counts toward the lock', () => {
    given([registered, totpOn])
      .when({ type: 'DisableTotp', data: { secondFactor: none, now } })
      .thenRefuses('totp_required');
    given([registered, totpOn])
      .when({ type: 'DisableTotp', data: { secondFactor: totp(false), now } })
      .then([failed(1, 'totp')]);
    given([registered, totpOn, { type: 'BackupCodeUsed', data: { codeHash: 'h1' } }])
      .when({ type: 'DisableTotp', data: { secondFactor: backup('h1'), now } })
      .then([{ type: 'LoginFailed', data: { reason: 'backup_code', consecutive: 1 } }]);
    given([registered, totpOn, failed(1), failed(2), failed(3), failed(4)])
      .when({ type: 'DisableTotp', data: { secondFactor: totp(false), now } })
      .then([failed(5, 'totp'), locked]);
    given([registered, totpOn, locked])
      .when({ type: 'DisableTotp', data: { secondFactor: totp(true), now } })
      .thenRefuses('account_locked');
  });
  it('refuses to disable when 2FA is off', () =>
    given([registered])
      .when({ type: 'DisableTotp', data: { secondFactor: totp(true), now } })
      .thenRefuses('conflict'));

  it('regenerates backup codes with a code', () =>
    given([registered, totpOn])
      .when({ type: 'RegenerateBackupCodes', data: { secondFactor: totp(true, 3), backupCodeHashes: ['n1'], now } })
      .then([
        { type: 'TotpCodeAccepted', data: { timeStep: 3 } },
        { type: 'BackupCodesRegenerated', data: { backupCodeHashes: ['n1'] } },
      ]));
  it('refuses to regenerate without a code or with 2FA off', () => {
    given([registered, totpOn])
      .when({ type: 'RegenerateBackupCodes', data: { secondFactor: none, backupCodeHashes: [], now } })
      .thenRefuses('totp_required');
    given([registered, totpOn])
      .when({ type: 'RegenerateBackupCodes', data: { secondFactor: totp(false), backupCodeHashes: [], now } })
      .then([failed(1, 'totp')]);
    given([registered])
      .when({ type: 'RegenerateBackupCodes', data: { secondFactor: totp(true), backupCodeHashes: [], now } })
      .thenRefuses('conflict');
  });
  it('old backup codes die with a regeneration', () =>
    given([registered, totpOn, { type: 'BackupCodesRegenerated', data: { backupCodeHashes: ['n1'] } }])
      .when({ type: 'DisableTotp', data: { secondFactor: backup('h1'), now } })
      .then([{ type: 'LoginFailed', data: { reason: 'backup_code', consecutive: 1 } }]));

  const recover = (credentialsValid: boolean, codeHash: string): UserCommand => ({
    type: 'RecoverWithBackupCode',
    data: { credentialsValid, codeHash, sessionId: 's1', ip: null, userAgent: null, now },
  });
  it('recovers with password and backup code: the code is spent, 2FA is off, a session starts', () =>
    given([registered, totpOn])
      .when(recover(true, 'h1'))
      .then([
        { type: 'BackupCodeUsed', data: { codeHash: 'h1' } },
        { type: 'TotpDisabled', data: { reason: 'recovery' } },
        started('s1', 'totp_recovery'),
      ]));
  it('a recovery with a wrong password or backup code is a failed login', () => {
    given([registered, totpOn])
      .when(recover(false, 'h1'))
      .then([failed(1)]);
    given([registered, totpOn])
      .when(recover(true, 'nope'))
      .then([{ type: 'LoginFailed', data: { reason: 'backup_code', consecutive: 1 } }]);
  });
  it('a recovery is refused when 2FA is off, and on a locked account', () => {
    given([registered]).when(recover(true, 'h1')).thenRefuses('conflict');
    given([registered, totpOn, locked]).when(recover(true, 'h1')).thenRefuses('account_locked');
  });

  it('a password change, a rename and a deletion need the code when 2FA is on; wrong ones count toward the lock', () => {
    given([registered, totpOn])
      .when({
        type: 'ChangePassword',
        data: { passwordHash: 'n', oldPasswordValid: true, currentSessionId: 's1', secondFactor: none, now },
      })
      .thenRefuses('totp_required');
    given([registered, totpOn])
      .when({
        type: 'ChangeUsername',
        data: { username: 'g', usernameClaim: 'c', passwordValid: true, secondFactor: totp(false), now },
      })
      .then([failed(1, 'totp')]);
    given([registered, totpOn])
      .when({ type: 'DeleteUser', data: { passwordValid: true, secondFactor: none, now } })
      .thenRefuses('totp_required');
    given([registered, totpOn])
      .when({
        type: 'ChangePassword',
        data: { passwordHash: 'n', oldPasswordValid: true, currentSessionId: 's1', secondFactor: totp(true, 8), now },
      })
      .then([
        { type: 'PasswordChanged', data: { passwordHash: 'n', initial: false } },
        { type: 'TotpCodeAccepted', data: { timeStep: 8 } },
      ]);
    given([registered, locked])
      .when({
        type: 'ChangePassword',
        data: { passwordHash: 'n', oldPasswordValid: true, currentSessionId: 's1', secondFactor: none, now },
      })
      .thenRefuses('account_locked');
  });

  it('moving the email address needs the password (not counted when missing, counted when wrong) and the code', () => {
    const move = (reauth?: { passwordValid: boolean | null; secondFactor: SecondFactor; now: Date }): UserCommand => ({
      type: 'UpdateProfile',
      data: { email: { value: 'b@x.test', claim: 'unique-email-b' }, ...(reauth ? { reauth } : {}) },
    });
    const moved: UserEvent = {
      type: 'EmailChanged',
      data: { email: 'b@x.test', emailClaim: 'unique-email-b', previousEmailClaim: 'unique-email-a' },
    };
    given([registered]).when(move()).thenRefuses('invalid_credentials');
    given([registered])
      .when(move({ passwordValid: null, secondFactor: none, now }))
      .thenRefuses('invalid_credentials');
    given([registered])
      .when(move({ passwordValid: false, secondFactor: none, now }))
      .then([failed(1)]);
    given([registered])
      .when(move({ passwordValid: true, secondFactor: none, now }))
      .then([moved]);
    given([registered, totpOn])
      .when(move({ passwordValid: true, secondFactor: none, now }))
      .thenRefuses('totp_required');
    given([registered, totpOn])
      .when(move({ passwordValid: true, secondFactor: totp(true, 4), now }))
      .then([{ type: 'TotpCodeAccepted', data: { timeStep: 4 } }, moved]);
  });

  it('a wrong email code is a failed login of the account', () =>
    given([registered, failed(4)])
      .when({ type: 'RecordFailedCode', data: { now } })
      .then([{ type: 'LoginFailed', data: { reason: 'email_code', consecutive: 5 } }, locked]));
});

describe('user decider: email and reset', () => {
  it('verifies the current address', () =>
    given([registered])
      .when({ type: 'VerifyEmail', data: { emailClaim: 'unique-email-a' } })
      .then([{ type: 'EmailVerified', data: { emailClaim: 'unique-email-a' } }]));
  it('records nothing when it is verified already', () =>
    given([registered, { type: 'EmailVerified', data: { emailClaim: 'unique-email-a' } }])
      .when({ type: 'VerifyEmail', data: { emailClaim: 'unique-email-a' } })
      .then([]));
  it('refuses a code for an address the account no longer has', () =>
    given([
      registered,
      {
        type: 'EmailChanged',
        data: { email: 'b@x.test', emailClaim: 'unique-email-b', previousEmailClaim: 'unique-email-a' },
      },
    ])
      .when({ type: 'VerifyEmail', data: { emailClaim: 'unique-email-a' } })
      .thenRefuses('conflict'));
  const verified: UserEvent = { type: 'EmailVerified', data: { emailClaim: 'unique-email-a' } };
  const usrIssued: UserEvent = { type: 'UsrKeyIssued', data: { usrKey: 'k', usrHash: 'kh', previousUsrHash: null } };
  const reset: UserCommand = { type: 'ResetPassword', data: { passwordHash: 'r', newUsr: { key: 'n', hash: 'nh' } } };
  const newUsr: UserEvent = { type: 'UsrKeyIssued', data: { usrKey: 'n', usrHash: 'nh', previousUsrHash: 'kh' } };
  it('a reset sets the password, ends every session and replaces the user key', () =>
    given([registered, usrIssued, verified, started('s1'), started('s2')])
      .when(reset)
      .then([
        { type: 'PasswordChanged', data: { passwordHash: 'r', initial: false, reset: true } },
        { type: 'SessionEnded', data: { sessionId: 's1', reason: 'password_reset' } },
        { type: 'SessionEnded', data: { sessionId: 's2', reason: 'password_reset' } },
        newUsr,
      ]));
  it('a reset through a never-verified address reclaims the account first: two-factor, identities and sessions end, the address is verified', () =>
    given([
      registered,
      usrIssued,
      totpOn,
      started('s1'),
      { type: 'IdentityLinked', data: { method: 'nostr', id: 'p1', claim: 'unique-nostr-p1' } },
      { type: 'IdentityLinked', data: { method: 'oauth:github', id: '7', claim: 'unique-oauth-7' } },
    ])
      .when(reset)
      .then([
        {
          type: 'AccountReclaimed',
          data: { via: 'password_reset', endedSessions: 1, hadPassword: true, hadTotp: true, unlinkedIdentities: 2 },
        },
        verified,
        { type: 'TotpDisabled', data: { reason: 'reclaimed' } },
        { type: 'IdentityUnlinked', data: { method: 'nostr', id: 'p1', claim: 'unique-nostr-p1', lastOfMethod: true } },
        {
          type: 'IdentityUnlinked',
          data: { method: 'oauth:github', id: '7', claim: 'unique-oauth-7', lastOfMethod: true },
        },
        { type: 'SessionEnded', data: { sessionId: 's1', reason: 'account_reclaimed' } },
        { type: 'PasswordChanged', data: { passwordHash: 'r', initial: false, reset: true } },
        newUsr,
      ]));
  it('an email code for a never-verified address reclaims the account: no password, a new user key, and only the prover signed in', () =>
    given([registered, usrIssued, started('s1')])
      .when({
        type: 'ReclaimByEmailCode',
        data: {
          emailClaim: 'unique-email-a',
          newUsr: { key: 'n', hash: 'nh' },
          session: { sessionId: 's9', ip: null, userAgent: null },
        },
      })
      .then([
        {
          type: 'AccountReclaimed',
          data: { via: 'email_code', endedSessions: 1, hadPassword: true, hadTotp: false, unlinkedIdentities: 0 },
        },
        verified,
        { type: 'SessionEnded', data: { sessionId: 's1', reason: 'account_reclaimed' } },
        { type: 'PasswordRemoved', data: { reason: 'account_reclaimed' } },
        newUsr,
        { type: 'SessionStarted', data: { sessionId: 's9', method: 'email_code', ip: null, userAgent: null } },
      ]));
  it('a verified address reclaims nothing; a moved one is refused', () => {
    const reclaim = (emailClaim: string): UserCommand => ({
      type: 'ReclaimByEmailCode',
      data: { emailClaim, newUsr: { key: 'n', hash: 'nh' }, session: { sessionId: 's9', ip: null, userAgent: null } },
    });
    given([registered, verified]).when(reclaim('unique-email-a')).thenRefuses('conflict');
    given([registered]).when(reclaim('unique-email-b')).thenRefuses('conflict');
  });
  it('refuses a reset of a deleted account', () =>
    given([registered, { type: 'UserDeleted', data: { releasedClaims: [] } }])
      .when(reset)
      .thenRefuses('not_found'));
});

describe('user decider: disabling', () => {
  const disabled: UserEvent = { type: 'UserDisabled', data: { by: 'admin' } };
  it('disabling ends every session', () =>
    given([registered, started('s1'), started('s2')])
      .when({ type: 'DisableUser', data: { by: 'admin', byRole: 'superadmin' } })
      .then([
        disabled,
        { type: 'SessionEnded', data: { sessionId: 's1', reason: 'account_disabled' } },
        { type: 'SessionEnded', data: { sessionId: 's2', reason: 'account_disabled' } },
      ]));
  it('the first account (an older event: isAdmin, no role) is the superadmin and cannot be disabled', () =>
    given([{ type: 'UserRegistered', data: { ...(registered.data as any), isAdmin: true } }])
      .when({ type: 'DisableUser', data: { by: 'other', byRole: 'superadmin' } })
      .thenRefuses('conflict'));
  it('a disabled account refuses a login with the right password, and only then says why', () => {
    given([registered, disabled]).when(login(true)).thenRefuses('account_disabled');
    given([registered, disabled])
      .when(login(false))
      .then([failed(1)]);
  });
  it('enabling lets it log in again; both are idempotent', () => {
    given([registered, disabled, { type: 'UserEnabled', data: { by: 'admin' } }])
      .when(login(true))
      .then([started()]);
    given([registered])
      .when({ type: 'EnableUser', data: { by: 'admin' } })
      .then([]);
    given([registered, disabled])
      .when({ type: 'DisableUser', data: { by: 'admin', byRole: 'superadmin' } })
      .then([]);
  });
});
