import { refuse } from '../shared/errors.js';
import type { Decider } from '../shared/decider.js';
import { identityClaims } from './claims.js';
import type { UserCommand } from './commands.js';
import type { Role, SessionMethod, UserEvent } from './events.js';
import { reclaimedBy } from './reclaim.js';
import { loginFailure, proveIdentity, refuseIfLocked } from './security.js';
import { evolve, initialState, oauthIdentity, requireActive, type UserState } from './state.js';

export { claimsGivenUp, heldClaims } from './claims.js';
export { evolve, initialState, oauthIdentity, roleOf, type UserState } from './state.js';

/**
 * The ways into the account: a password, a verified address (email codes), the legacy user key
 * (when the service allows it), and every linked key and identity. Unlinking the last is refused.
 */
export const waysIn = (state: UserState, usrLoginAllowed: boolean): number =>
  (state.passwordHash !== null ? 1 : 0) + (state.emailVerified ? 1 : 0) + (usrLoginAllowed && state.usrHash ? 1 : 0) + state.nostr.size + state.lnurl.size + state.oauth.size;

/** Events that answer a login with a refusal after they are recorded. */
export const failedLogin = (events: UserEvent[]) => events.find((e) => e.type === 'LoginFailed');

const sessionStarted = (data: { sessionId: string; method: SessionMethod; ip: string | null; userAgent: string | null }): UserEvent => ({
  type: 'SessionStarted',
  data: { sessionId: data.sessionId, method: data.method, ip: data.ip, userAgent: data.userAgent },
});

const usrKeyReplaced = (state: UserState, usr: { key: string; hash: string }): UserEvent => ({
  type: 'UsrKeyIssued',
  data: { usrKey: usr.key, usrHash: usr.hash, previousUsrHash: state.usrHash },
});

export const decide = (command: UserCommand, state: UserState): UserEvent[] => {
  switch (command.type) {
    case 'RegisterUser': {
      if (state.status !== 'none') return refuse('conflict', 'This account already exists');
      const { session, emailVerified, usr, nostr, lnurl, oauth, role: asked, createdBy, mustResetPassword, invitedBy, names, ...data } = command.data;
      const role: Role = data.setupClaim !== null ? 'superadmin' : (asked ?? 'user');
      return [
        {
          type: 'UserRegistered',
          data: {
            ...data, isAdmin: role !== 'user', role,
            ...(createdBy ? { createdBy } : {}), ...(mustResetPassword ? { mustResetPassword: true } : {}), ...(invitedBy ? { invitedBy } : {}),
          },
        },
        { type: 'UsrKeyIssued', data: { usrKey: usr.key, usrHash: usr.hash, previousUsrHash: null } },
        ...(nostr ? [{ type: 'NostrKeyLinked', data: nostr } as UserEvent] : []),
        ...(lnurl ? [{ type: 'LnurlKeyLinked', data: lnurl } as UserEvent] : []),
        ...(oauth ? [{ type: 'OAuthIdentityLinked', data: oauth } as UserEvent] : []),
        ...(emailVerified && data.emailClaim ? [{ type: 'EmailVerified', data: { emailClaim: data.emailClaim } } as UserEvent] : []),
        ...(names && (names.firstName !== null || names.lastName !== null) ? [{ type: 'NameChanged', data: names } as UserEvent] : []),
        ...(session ? [sessionStarted({ ...session, method: session.method ?? 'register' })] : []),
      ];
    }
    case 'StartSession': {
      const { now, credentialsValid, secondFactor } = command.data;
      // An unknown or deleted account and a wrong password must be indistinguishable.
      if (state.status !== 'active') return refuse('invalid_credentials', 'Invalid username or password');
      refuseIfLocked(state, now);
      if (!credentialsValid) return loginFailure(state, 'password', now);
      // Said only to someone who proved the password.
      if (state.disabled) return refuse('account_disabled', 'This account is disabled');
      const started = sessionStarted(command.data);
      if (state.totpSecret === null) return [started];
      if (secondFactor.kind === 'none') return refuse('totp_required', 'A two-factor code is required');
      if (secondFactor.kind !== 'totp' || !secondFactor.valid || secondFactor.timeStep === null) return loginFailure(state, 'totp', now);
      return [started, { type: 'TotpCodeAccepted', data: { timeStep: secondFactor.timeStep } }];
    }
    case 'EndSession': {
      requireActive(state);
      if (!state.sessions.has(command.data.sessionId)) return refuse('not_found', 'No such session');
      return [{ type: 'SessionEnded', data: command.data }];
    }
    case 'UpdateProfile': {
      requireActive(state);
      const events: UserEvent[] = [];
      const email = command.data.email;
      const movesEmail = email !== undefined && (email?.claim ?? null) !== state.emailClaim;
      if (movesEmail) {
        const reauth = command.data.reauth;
        if (!reauth || (state.passwordHash !== null && reauth.passwordValid === null)) {
          return refuse('invalid_credentials', 'Changing the email address needs the password');
        }
        const proof = proveIdentity(state, { passwordValid: state.passwordHash === null ? true : reauth.passwordValid!, secondFactor: reauth.secondFactor, now: reauth.now }, { allowBackupCode: false });
        if ('failed' in proof) return proof.failed;
        events.push(...proof.ok);
      }
      if (command.data.displayName !== undefined) {
        events.push({ type: 'DisplayNameChanged', data: { displayName: command.data.displayName } });
      }
      const names = command.data.names;
      if (names && (names.firstName !== undefined || names.lastName !== undefined)) {
        const next = { firstName: names.firstName !== undefined ? names.firstName : state.names.firstName, lastName: names.lastName !== undefined ? names.lastName : state.names.lastName };
        if (next.firstName !== state.names.firstName || next.lastName !== state.names.lastName) events.push({ type: 'NameChanged', data: next });
      }
      if (movesEmail) {
        events.push({
          type: 'EmailChanged',
          data: { email: email?.value ?? null, emailClaim: email?.claim ?? null, previousEmailClaim: state.emailClaim },
        });
      }
      return events;
    }
    case 'VerifyEmail': {
      requireActive(state);
      if (command.data.emailClaim !== state.emailClaim) return refuse('conflict', 'The email address changed since this code was sent');
      return state.emailVerified ? [] : [{ type: 'EmailVerified', data: command.data }];
    }
    case 'ChangeUsername': {
      requireActive(state);
      const proof = proveIdentity(state, command.data, { allowBackupCode: false });
      if ('failed' in proof) return proof.failed;
      // The same name in another case keeps its claim and only changes how it is written.
      if (command.data.usernameClaim === state.usernameClaim && command.data.username === state.username) return [];
      return [
        {
          type: 'UsernameChanged',
          data: { username: command.data.username, usernameClaim: command.data.usernameClaim, previousUsernameClaim: state.usernameClaim! },
        },
        ...proof.ok,
      ];
    }
    case 'ChangePassword': {
      requireActive(state);
      if (state.passwordHash === null) return refuse('conflict', 'The account has no password yet; set one first');
      const proof = proveIdentity(state, { ...command.data, passwordValid: command.data.oldPasswordValid }, { allowBackupCode: false });
      if ('failed' in proof) return proof.failed;
      const others = [...state.sessions].filter((id) => id !== command.data.currentSessionId);
      const { newUsr } = command.data;
      return [
        { type: 'PasswordChanged', data: { passwordHash: command.data.passwordHash, initial: false } },
        ...others.map((sessionId): UserEvent => ({ type: 'SessionEnded', data: { sessionId, reason: 'password_changed' } })),
        ...(newUsr ? [usrKeyReplaced(state, newUsr)] : []),
        ...proof.ok,
      ];
    }
    case 'SetInitialPassword': {
      requireActive(state);
      if (state.passwordHash !== null) return refuse('conflict', 'The account already has a password');
      return [{ type: 'PasswordChanged', data: { passwordHash: command.data.passwordHash, initial: true } }];
    }
    case 'ResetPassword': {
      requireActive(state);
      // The link proved the address: an unverified one reclaims the account first (its sessions end there).
      const reclaimed = reclaimedBy(state, 'password_reset');
      const live = reclaimed.some((e) => e.type === 'SessionEnded') ? [] : [...state.sessions];
      return [
        ...reclaimed,
        { type: 'PasswordChanged', data: { passwordHash: command.data.passwordHash, initial: state.passwordHash === null, reset: true } },
        ...live.map((sessionId): UserEvent => ({ type: 'SessionEnded', data: { sessionId, reason: 'password_reset' } })),
        usrKeyReplaced(state, command.data.newUsr),
      ];
    }
    case 'ReclaimByEmailCode': {
      requireActive(state);
      if (state.emailClaim !== command.data.emailClaim) return refuse('conflict', 'The email address changed since this code was sent');
      if (state.emailVerified) return refuse('conflict', 'The address is verified: sign in with the code instead');
      // Said to the person who proved the address: an admin's decision stands.
      if (state.disabled) return refuse('account_disabled', 'This account is disabled');
      return [
        ...reclaimedBy(state, 'email_code'),
        ...(state.passwordHash !== null ? [{ type: 'PasswordRemoved', data: { reason: 'account_reclaimed' } } as UserEvent] : []),
        usrKeyReplaced(state, command.data.newUsr),
        sessionStarted({ ...command.data.session, method: 'email_code' }),
      ];
    }
    case 'EnableTotp': {
      requireActive(state);
      if (state.totpSecret !== null) return refuse('conflict', 'Two-factor authentication is already on');
      if (!command.data.codeValid || command.data.timeStep === null) return refuse('invalid_totp', 'The two-factor code is wrong');
      return [
        { type: 'TotpEnabled', data: { secret: command.data.secret, backupCodeHashes: command.data.backupCodeHashes } },
        { type: 'TotpCodeAccepted', data: { timeStep: command.data.timeStep } },
      ];
    }
    case 'DisableTotp': {
      requireActive(state);
      if (state.totpSecret === null) return refuse('conflict', 'Two-factor authentication is not on');
      const proof = proveIdentity(state, command.data, { allowBackupCode: true });
      if ('failed' in proof) return proof.failed;
      return [...proof.ok, { type: 'TotpDisabled', data: { reason: 'user' } }];
    }
    case 'RegenerateBackupCodes': {
      requireActive(state);
      if (state.totpSecret === null) return refuse('conflict', 'Two-factor authentication is not on');
      const proof = proveIdentity(state, command.data, { allowBackupCode: true });
      if ('failed' in proof) return proof.failed;
      return [...proof.ok, { type: 'BackupCodesRegenerated', data: { backupCodeHashes: command.data.backupCodeHashes } }];
    }
    case 'RecoverWithBackupCode': {
      const { now, credentialsValid, codeHash } = command.data;
      if (state.status !== 'active') return refuse('invalid_credentials', 'Invalid username or password');
      refuseIfLocked(state, now);
      if (!credentialsValid) return loginFailure(state, 'password', now);
      if (state.disabled) return refuse('account_disabled', 'This account is disabled');
      if (state.totpSecret === null) return refuse('conflict', 'Two-factor authentication is not on');
      if (!state.backupCodes.includes(codeHash)) return loginFailure(state, 'backup_code', now);
      return [
        { type: 'BackupCodeUsed', data: { codeHash } },
        { type: 'TotpDisabled', data: { reason: 'recovery' } },
        sessionStarted({ ...command.data, method: 'totp_recovery' }),
      ];
    }
    case 'DeleteUser': {
      requireActive(state);
      if (state.role === 'superadmin') return refuse('conflict', 'The superadmin account cannot be deleted');
      if (state.passwordHash !== null && command.data.passwordValid === null) return refuse('invalid_credentials', 'The account password is required');
      const proof = proveIdentity(state, { ...command.data, passwordValid: state.passwordHash === null ? true : command.data.passwordValid! }, { allowBackupCode: false });
      if ('failed' in proof) return proof.failed;
      // The first-account claim stays held: deleting the first admin never re-opens set-up.
      const released = [state.usernameClaim, state.emailClaim, ...identityClaims(state)].filter((c): c is string => c !== null);
      return [{ type: 'UserDeleted', data: { releasedClaims: released } }];
    }
    case 'RotateUsrKey': {
      requireActive(state);
      if (!command.data.reauth) return [usrKeyReplaced(state, command.data)];
      if (state.passwordHash === null) return refuse('reauth_required', 'This account has no password: sign in again, then replace the key');
      const proof = proveIdentity(state, command.data.reauth, { allowBackupCode: false });
      if ('failed' in proof) return proof.failed;
      return [usrKeyReplaced(state, command.data), ...proof.ok];
    }
    case 'LinkNostrKey':
      requireActive(state);
      return state.nostr.has(command.data.pubkey) ? [] : [{ type: 'NostrKeyLinked', data: command.data }];
    case 'LinkLnurlKey':
      requireActive(state);
      return state.lnurl.has(command.data.linkingKey) ? [] : [{ type: 'LnurlKeyLinked', data: command.data }];
    case 'LinkOAuthIdentity':
      requireActive(state);
      return state.oauth.has(oauthIdentity(command.data.provider, command.data.subject)) ? [] : [{ type: 'OAuthIdentityLinked', data: command.data }];
    case 'UnlinkIdentity': {
      requireActive(state);
      const { method, id } = command.data;
      const linked = method === 'nostr' ? state.nostr : method === 'lnurl' ? state.lnurl : state.oauth;
      const claim = linked.get(id);
      if (!claim) return refuse('not_found', 'This identity is not linked to the account');
      if (waysIn(state, command.data.usrLoginAllowed) <= 1) return refuse('conflict', 'This is the last way into the account');
      if (method === 'nostr') return [{ type: 'NostrKeyUnlinked', data: { pubkey: id, claim, lastKey: state.nostr.size === 1 } }];
      if (method === 'lnurl') return [{ type: 'LnurlKeyUnlinked', data: { linkingKey: id, claim, lastKey: state.lnurl.size === 1 } }];
      const provider = id.slice(0, id.indexOf(':'));
      const lastOfProvider = [...state.oauth.keys()].filter((key) => key.startsWith(`${provider}:`)).length === 1;
      return [{ type: 'OAuthIdentityUnlinked', data: { provider, subject: id.slice(provider.length + 1), claim, lastOfProvider } }];
    }
    case 'DisableUser': {
      requireActive(state);
      if (state.disabled) return [];
      if (state.role === 'superadmin') return refuse('conflict', 'The superadmin cannot be disabled');
      if (state.isAdmin && command.data.byRole !== 'superadmin') return refuse('forbidden', 'Only the superadmin disables an admin');
      return [
        { type: 'UserDisabled', data: { by: command.data.by } },
        ...[...state.sessions].map((sessionId): UserEvent => ({ type: 'SessionEnded', data: { sessionId, reason: 'account_disabled' } })),
      ];
    }
    case 'EnableUser':
      requireActive(state);
      return state.disabled ? [{ type: 'UserEnabled', data: { by: command.data.by } }] : [];
    case 'GrantAdmin':
      requireActive(state);
      if (command.data.byRole !== 'superadmin') return refuse('forbidden', 'Only the superadmin grants or revokes admin');
      return state.isAdmin ? [] : [{ type: 'AdminGranted', data: { by: command.data.by } }];
    case 'RevokeAdmin':
      requireActive(state);
      if (command.data.byRole !== 'superadmin') return refuse('forbidden', 'Only the superadmin grants or revokes admin');
      if (state.role === 'superadmin') return refuse('conflict', 'The superadmin cannot be demoted');
      if (!state.isAdmin) return [];
      return [{ type: 'AdminRevoked', data: { by: command.data.by } }];
    case 'RecordFailedCode':
      requireActive(state);
      return loginFailure(state, 'email_code', command.data.now);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
};

export const userDecider: Decider<UserCommand, UserEvent, UserState> = { initialState, evolve, decide };
