import { describe, expect, it } from 'vitest';
import type { UserCommand } from '../../domain/user/commands.js';
import { userDecider } from '../../domain/user/decider.js';
import type { UserEvent } from '../../domain/user/events.js';
import { specFor } from '../support/decider.js';

const given = specFor(userDecider);
const none = { kind: 'none' } as const;
const now = new Date('2026-06-01T12:00:00.000Z');
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
    role: 'user',
  },
};
const usrIssued: UserEvent = { type: 'UsrKeyIssued', data: { usrKey: 'k', usrHash: 'kh', previousUsrHash: null } };
const session = (sessionId: string): UserEvent => ({
  type: 'SessionStarted',
  data: { sessionId, method: 'password', ip: null, userAgent: null },
});
const deleted: UserEvent = { type: 'UserDeleted', data: { releasedClaims: ['unique-username-a', 'unique-email-a'] } };
const passwordless: UserEvent = { type: 'UserRegistered', data: { ...(registered.data as any), passwordHash: null } };

const register = (setupClaim: string | null): UserCommand => ({
  type: 'RegisterUser',
  data: {
    userId: 'u1',
    username: 'ada',
    usernameClaim: 'unique-username-a',
    email: 'ada@x.test',
    emailClaim: 'unique-email-a',
    displayName: null,
    passwordHash: '$2b$hash',
    setupClaim,
    usr: { key: 'k', hash: 'kh' },
    session: { sessionId: 's0', ip: '10.0.0.1', userAgent: 'ua' },
  },
});

describe('user decider', () => {
  describe('RegisterUser', () => {
    it('registers, issues the user key and starts the first session', () =>
      given([])
        .when(register(null))
        .then([
          registered,
          usrIssued,
          { type: 'SessionStarted', data: { sessionId: 's0', method: 'register', ip: '10.0.0.1', userAgent: 'ua' } },
        ]));
    it('makes the holder of the set-up claim an admin', () =>
      given([])
        .when(register('unique-setup-x'))
        .then([
          {
            type: 'UserRegistered',
            data: { ...(registered.data as any), isAdmin: true, setupClaim: 'unique-setup-x', role: 'superadmin' },
          },
          usrIssued,
          { type: 'SessionStarted', data: { sessionId: 's0', method: 'register', ip: '10.0.0.1', userAgent: 'ua' } },
        ]));
    it('refuses an account that exists', () => given([registered]).when(register(null)).thenRefuses('conflict'));
    it('refuses an account that was deleted', () =>
      given([registered, deleted]).when(register(null)).thenRefuses('conflict'));
  });

  describe('RotateUsrKey', () => {
    it('issues a new key naming the old one', () =>
      given([registered, usrIssued])
        .when({ type: 'RotateUsrKey', data: { key: 'n', hash: 'nh', reauth: null } })
        .then([{ type: 'UsrKeyIssued', data: { usrKey: 'n', usrHash: 'nh', previousUsrHash: 'kh' } }]));
    it('with the password as its proof, a wrong one is a failed login', () =>
      given([registered, usrIssued])
        .when({
          type: 'RotateUsrKey',
          data: {
            key: 'n',
            hash: 'nh',
            reauth: { passwordValid: false, secondFactor: { kind: 'none' }, now: new Date() },
          },
        })
        .then([{ type: 'LoginFailed', data: { reason: 'password', consecutive: 1 } }]));
    it('refuses on a deleted account', () =>
      given([registered, usrIssued, deleted])
        .when({ type: 'RotateUsrKey', data: { key: 'n', hash: 'nh', reauth: null } })
        .thenRefuses('not_found'));
  });

  describe('StartSession', () => {
    const start = (credentialsValid: boolean): UserCommand => ({
      type: 'StartSession',
      data: {
        sessionId: 's1',
        method: 'password',
        ip: null,
        userAgent: null,
        credentialsValid,
        secondFactor: none,
        now,
      },
    });
    it('starts a session with valid credentials', () =>
      given([registered])
        .when(start(true))
        .then([session('s1')]));
    it('records a failed login for wrong credentials', () =>
      given([registered])
        .when(start(false))
        .then([{ type: 'LoginFailed', data: { reason: 'password', consecutive: 1 } }]));
    it('refuses an unknown account the same way', () => given([]).when(start(true)).thenRefuses('invalid_credentials'));
    it('refuses a deleted account the same way', () =>
      given([registered, deleted]).when(start(true)).thenRefuses('invalid_credentials'));
  });

  describe('EndSession', () => {
    it('ends a live session', () =>
      given([registered, session('s1')])
        .when({ type: 'EndSession', data: { sessionId: 's1', reason: 'logout' } })
        .then([{ type: 'SessionEnded', data: { sessionId: 's1', reason: 'logout' } }]));
    it('refuses a session that already ended', () =>
      given([registered, session('s1'), { type: 'SessionEnded', data: { sessionId: 's1', reason: 'logout' } }])
        .when({ type: 'EndSession', data: { sessionId: 's1', reason: 'revoked' } })
        .thenRefuses('not_found'));
    it('refuses an unknown session', () =>
      given([registered])
        .when({ type: 'EndSession', data: { sessionId: 'nope', reason: 'revoked' } })
        .thenRefuses('not_found'));
    it('refuses on a deleted account', () =>
      given([registered, session('s1'), deleted])
        .when({ type: 'EndSession', data: { sessionId: 's1', reason: 'logout' } })
        .thenRefuses('not_found'));
  });

  describe('UpdateProfile', () => {
    it('changes the display name', () =>
      given([registered])
        .when({ type: 'UpdateProfile', data: { displayName: 'Ada' } })
        .then([{ type: 'DisplayNameChanged', data: { displayName: 'Ada' } }]));
    const reauth = { passwordValid: true, secondFactor: none, now };
    it('changes the email and names the claim it gives up', () =>
      given([registered])
        .when({ type: 'UpdateProfile', data: { email: { value: 'new@x.test', claim: 'unique-email-b' }, reauth } })
        .then([
          {
            type: 'EmailChanged',
            data: { email: 'new@x.test', emailClaim: 'unique-email-b', previousEmailClaim: 'unique-email-a' },
          },
        ]));
    it('removes the email', () =>
      given([registered])
        .when({ type: 'UpdateProfile', data: { email: null, reauth } })
        .then([
          { type: 'EmailChanged', data: { email: null, emailClaim: null, previousEmailClaim: 'unique-email-a' } },
        ]));
    it('records nothing for the same email', () =>
      given([registered])
        .when({ type: 'UpdateProfile', data: { email: { value: 'ada@x.test', claim: 'unique-email-a' } } })
        .then([]));
    it('refuses on a deleted account', () =>
      given([registered, deleted])
        .when({ type: 'UpdateProfile', data: { displayName: 'x' } })
        .thenRefuses('not_found'));
    it('refuses on no account', () =>
      given([])
        .when({ type: 'UpdateProfile', data: { displayName: 'x' } })
        .thenRefuses('not_found'));
  });

  describe('ChangeUsername', () => {
    const change = (passwordValid: boolean, usernameClaim = 'unique-username-b', username = 'grace'): UserCommand => ({
      type: 'ChangeUsername',
      data: { username, usernameClaim, passwordValid, secondFactor: none, now },
    });
    it('changes the username and names the claim it gives up', () =>
      given([registered])
        .when(change(true))
        .then([
          {
            type: 'UsernameChanged',
            data: { username: 'grace', usernameClaim: 'unique-username-b', previousUsernameClaim: 'unique-username-a' },
          },
        ]));
    it('records a failed login for a wrong password', () =>
      given([registered])
        .when(change(false))
        .then([{ type: 'LoginFailed', data: { reason: 'password', consecutive: 1 } }]));
    it('records nothing when the name is the same', () =>
      given([registered])
        .when(change(true, 'unique-username-a', 'ada'))
        .then([]));
    it('changes only how the name is written when only its case changes, keeping the claim', () =>
      given([registered])
        .when(change(true, 'unique-username-a', 'Ada'))
        .then([
          {
            type: 'UsernameChanged',
            data: { username: 'Ada', usernameClaim: 'unique-username-a', previousUsernameClaim: 'unique-username-a' },
          },
        ]));
    it('refuses on a deleted account', () => given([registered, deleted]).when(change(true)).thenRefuses('not_found'));
  });

  describe('ChangePassword', () => {
    const change = (oldPasswordValid: boolean): UserCommand => ({
      type: 'ChangePassword',
      data: { passwordHash: '$2b$new', oldPasswordValid, currentSessionId: 's1', secondFactor: none, now },
    });
    it('changes the password and ends every other session', () =>
      given([registered, session('s1'), session('s2'), session('s3')])
        .when(change(true))
        .then([
          { type: 'PasswordChanged', data: { passwordHash: '$2b$new', initial: false } },
          { type: 'SessionEnded', data: { sessionId: 's2', reason: 'password_changed' } },
          { type: 'SessionEnded', data: { sessionId: 's3', reason: 'password_changed' } },
        ]));
    it('records a failed login for a wrong old password', () =>
      given([registered, session('s1')])
        .when(change(false))
        .then([{ type: 'LoginFailed', data: { reason: 'password', consecutive: 1 } }]));
    it('refuses an account without a password', () => given([passwordless]).when(change(true)).thenRefuses('conflict'));
    it('refuses on a deleted account', () => given([registered, deleted]).when(change(true)).thenRefuses('not_found'));
  });

  describe('SetInitialPassword', () => {
    const set: UserCommand = { type: 'SetInitialPassword', data: { passwordHash: '$2b$first' } };
    it('sets a first password', () =>
      given([passwordless])
        .when(set)
        .then([{ type: 'PasswordChanged', data: { passwordHash: '$2b$first', initial: true } }]));
    it('refuses when a password exists', () => given([registered]).when(set).thenRefuses('conflict'));
    it('refuses after the first password was set', () =>
      given([passwordless, { type: 'PasswordChanged', data: { passwordHash: '$2b$first', initial: true } }])
        .when(set)
        .thenRefuses('conflict'));
    it('refuses on no account', () => given([]).when(set).thenRefuses('not_found'));
  });

  describe('DeleteUser', () => {
    const remove = (passwordValid: boolean | null): UserCommand => ({
      type: 'DeleteUser',
      data: { passwordValid, secondFactor: none, now },
    });
    it('deletes and releases username and email claims', () => given([registered]).when(remove(true)).then([deleted]));
    it('refuses to delete the superadmin (the first account)', () =>
      given([
        {
          type: 'UserRegistered',
          data: { ...(registered.data as any), isAdmin: true, setupClaim: 'unique-setup-x', role: 'superadmin' },
        },
      ])
        .when(remove(true))
        .thenRefuses('conflict'));
    it('reads an older first-account event without a role as the superadmin', () =>
      given([
        {
          type: 'UserRegistered',
          data: { ...(registered.data as any), isAdmin: true, setupClaim: 'unique-setup-x', role: undefined },
        },
      ])
        .when(remove(true))
        .thenRefuses('conflict'));
    it('records a failed login for a wrong password', () =>
      given([registered])
        .when(remove(false))
        .then([{ type: 'LoginFailed', data: { reason: 'password', consecutive: 1 } }]));
    it('refuses a missing password when one is set', () =>
      given([registered]).when(remove(null)).thenRefuses('invalid_credentials'));
    it('needs no password when none is set', () => given([passwordless]).when(remove(null)).then([deleted]));
    it('refuses a second deletion', () => given([registered, deleted]).when(remove(true)).thenRefuses('not_found'));
  });

  describe('UnlinkIdentity', () => {
    const github = (subject: string): UserEvent => ({
      type: 'IdentityLinked',
      data: { method: 'oauth:github', id: subject, claim: `unique-oauth-${subject}` },
    });
    const wallet: UserEvent = {
      type: 'IdentityLinked',
      data: { method: 'lnurl', id: '02aa', claim: 'unique-lnurl-a' },
    };
    const walletUnlinked: UserEvent = {
      type: 'IdentityUnlinked',
      data: { method: 'lnurl', id: '02aa', claim: 'unique-lnurl-a', lastOfMethod: true },
    };
    const unlink = (method: string, id: string, usrLoginAllowed = false): UserCommand => ({
      type: 'UnlinkIdentity',
      data: { method, id, usrLoginAllowed },
    });
    it('unlinks one of two identities of a provider, keeping the provider as a method', () =>
      given([passwordless, github('1'), github('2')])
        .when(unlink('oauth:github', '1'))
        .then([
          {
            type: 'IdentityUnlinked',
            data: { method: 'oauth:github', id: '1', claim: 'unique-oauth-1', lastOfMethod: false },
          },
        ]));
    it('refuses the last way in', () =>
      given([passwordless, github('1')])
        .when(unlink('oauth:github', '1'))
        .thenRefuses('conflict'));
    it('counts the user key as a way in when the service allows its login', () =>
      given([passwordless, usrIssued, github('1')])
        .when(unlink('oauth:github', '1', true))
        .then([
          {
            type: 'IdentityUnlinked',
            data: { method: 'oauth:github', id: '1', claim: 'unique-oauth-1', lastOfMethod: true },
          },
        ]));
    it('counts a password, and any other identity', () => {
      given([registered, wallet]).when(unlink('lnurl', '02aa')).then([walletUnlinked]);
      given([passwordless, wallet, github('1')])
        .when(unlink('lnurl', '02aa'))
        .then([walletUnlinked]);
    });
    it('refuses an identity the account does not have', () =>
      given([registered, wallet]).when(unlink('nostr', 'ff')).thenRefuses('not_found'));
    it('gives the claim up, and a deleted account holds none', () => {
      given([passwordless, github('1'), wallet, deleted])
        .when(unlink('lnurl', '02aa'))
        .thenRefuses('not_found');
    });
  });

  describe('roles', () => {
    const root: UserEvent = {
      type: 'UserRegistered',
      data: { ...(registered.data as any), isAdmin: true, setupClaim: 'unique-setup-x', role: 'superadmin' },
    };
    const admin: UserEvent = {
      type: 'UserRegistered',
      data: { ...(registered.data as any), isAdmin: true, role: 'admin' },
    };
    it('only a superadmin grants admin', () => {
      given([registered])
        .when({ type: 'GrantAdmin', data: { by: 'root', byRole: 'superadmin' } })
        .then([{ type: 'AdminGranted', data: { by: 'root' } }]);
      given([registered])
        .when({ type: 'GrantAdmin', data: { by: 'a', byRole: 'admin' } })
        .thenRefuses('forbidden');
    });
    it('only a superadmin revokes admin, and never from the superadmin', () => {
      given([admin])
        .when({ type: 'RevokeAdmin', data: { by: 'root', byRole: 'superadmin' } })
        .then([{ type: 'AdminRevoked', data: { by: 'root' } }]);
      given([admin])
        .when({ type: 'RevokeAdmin', data: { by: 'a', byRole: 'admin' } })
        .thenRefuses('forbidden');
      given([root])
        .when({ type: 'RevokeAdmin', data: { by: 'root', byRole: 'superadmin' } })
        .thenRefuses('conflict');
    });
    it('the superadmin cannot be disabled', () =>
      given([root])
        .when({ type: 'DisableUser', data: { by: 'a', byRole: 'admin' } })
        .thenRefuses('conflict'));
    it('an account made by an admin must reset its password, and a password change lifts it', () => {
      const made: UserEvent = {
        type: 'UserRegistered',
        data: { ...(registered.data as any), createdBy: 'root', mustResetPassword: true },
      };
      const state = [
        made,
        { type: 'PasswordChanged', data: { passwordHash: 'new', initial: false } } as UserEvent,
      ].reduce(userDecider.evolve, userDecider.initialState());
      expect(userDecider.evolve(userDecider.initialState(), made).mustResetPassword).toBe(true);
      expect(state.mustResetPassword).toBe(false);
    });
  });
});
