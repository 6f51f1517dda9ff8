import { refuse } from '../shared/errors.js';
import type { Decider } from '../shared/decider.js';
import type { UserCommand } from './commands.js';
import type { Role, SessionMethod, UserEvent } from './events.js';
import { reclaimedBy } from './reclaim.js';
import { loginFailure, proveIdentity, refuseIfLocked, type SecurityState } from './security.js';

export interface UserState extends SecurityState {
  status: 'none' | 'active' | 'deleted';
  userId: string | null;
  /** As typed at registration or rename; null once erased. Lives only in memory. */
  username: string | null;
  passwordHash: string | null;
  isAdmin: boolean;
  role: Role;
  /** Made by an admin with a temporary password: only the password change is open until then. */
  mustResetPassword: boolean;
  /** First and last name, as last set (sealed in events; in memory only here). */
  names: { firstName: string | null; lastName: string | null };
  usernameClaim: string | null;
  emailClaim: string | null;
  emailVerified: boolean;
  setupClaim: string | null;
  /** Ids of the sessions that are live. */
  sessions: ReadonlySet<string>;
  /** Grows with every password or address change: a reset token from an older epoch is void. */
  credentialsEpoch: number;
  /** Disabled by an admin: no login, and no credential of the account works. */
  disabled: boolean;
  /** The legacy user key (plain in memory only) and its hash. */
  usrKey: string | null;
  usrHash: string | null;
  /** Linked Nostr public keys (hex) and their claims. */
  nostr: ReadonlyMap<string, string>;
  /** Linked LNURL-auth linking keys (hex) and their claims. */
  lnurl: ReadonlyMap<string, string>;
  /** Linked OAuth/OIDC identities (`<provider>:<subject>`) and their claims. */
  oauth: ReadonlyMap<string, string>;
}

export const initialState = (): UserState => ({
  status: 'none',
  userId: null,
  username: null,
  passwordHash: null,
  isAdmin: false,
  role: 'user',
  mustResetPassword: false,
  names: { firstName: null, lastName: null },
  usernameClaim: null,
  emailClaim: null,
  emailVerified: false,
  setupClaim: null,
  sessions: new Set(),
  credentialsEpoch: 0,
  disabled: false,
  usrKey: null,
  usrHash: null,
  nostr: new Map(),
  lnurl: new Map(),
  oauth: new Map(),
  totpSecret: null,
  lastTotpStep: null,
  backupCodes: [],
  failedLogins: 0,
  lockedUntil: null,
});

/** The role an account was made with (older events carry only isAdmin: the first account's). */
export const roleOf = (data: { role?: Role; isAdmin: boolean }): Role => data.role ?? (data.isAdmin ? 'superadmin' : 'user');

const without = (map: ReadonlyMap<string, string>, key: string) => new Map([...map].filter(([k]) => k !== key));

/** How an OAuth identity is named in the account and in its claim: `<provider>:<subject>`. */
export const oauthIdentity = (provider: string, subject: string) => `${provider}:${subject}`;

/**
 * The ways into the account: a password, a verified address (email codes), the legacy user key
 * (when the service allows it), and every linked key and identity. Unlinking the last is refused.
 */
export const waysIn = (state: UserState, usrLoginAllowed: boolean): number =>
  (state.passwordHash !== null ? 1 : 0) + (state.emailVerified ? 1 : 0) + (usrLoginAllowed && state.usrHash ? 1 : 0) + state.nostr.size + state.lnurl.size + state.oauth.size;

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
        role: roleOf(event.data),
        mustResetPassword: event.data.mustResetPassword === true,
        usernameClaim: event.data.usernameClaim,
        emailClaim: event.data.emailClaim,
        setupClaim: event.data.setupClaim,
      };
    case 'SessionStarted':
      return { ...state, failedLogins: 0, sessions: withSession(state.sessions, event.data.sessionId, true) };
    case 'SessionEnded':
      return { ...state, sessions: withSession(state.sessions, event.data.sessionId, false) };
    case 'DisplayNameChanged':
      return state;
    case 'NameChanged':
      return { ...state, names: { firstName: event.data.firstName, lastName: event.data.lastName } };
    case 'EmailChanged':
      return { ...state, emailClaim: event.data.emailClaim, emailVerified: false, credentialsEpoch: state.credentialsEpoch + 1 };
    case 'EmailVerified':
      return event.data.emailClaim === state.emailClaim ? { ...state, emailVerified: true } : state;
    case 'UsernameChanged':
      return { ...state, username: event.data.username, usernameClaim: event.data.usernameClaim };
    case 'PasswordChanged': {
      const next = { ...state, passwordHash: event.data.passwordHash, credentialsEpoch: state.credentialsEpoch + 1, mustResetPassword: false };
      return event.data.reset ? { ...next, failedLogins: 0, lockedUntil: null } : next;
    }
    case 'LoginFailed':
      return { ...state, failedLogins: event.data.consecutive };
    case 'AccountLocked':
      return { ...state, failedLogins: 0, lockedUntil: new Date(event.data.until) };
    case 'TotpEnabled':
      return { ...state, totpSecret: event.data.secret, backupCodes: event.data.backupCodeHashes };
    case 'TotpDisabled':
      return { ...state, totpSecret: null, backupCodes: [] };
    case 'TotpCodeAccepted':
      return { ...state, lastTotpStep: Math.max(state.lastTotpStep ?? 0, event.data.timeStep) };
    case 'BackupCodesRegenerated':
      return { ...state, backupCodes: event.data.backupCodeHashes };
    case 'BackupCodeUsed':
      return { ...state, backupCodes: state.backupCodes.filter((hash) => hash !== event.data.codeHash) };
    case 'UsrKeyIssued':
      return { ...state, usrKey: event.data.usrKey, usrHash: event.data.usrHash };
    case 'NostrKeyLinked':
      return { ...state, nostr: new Map([...state.nostr, [event.data.pubkey, event.data.claim]]) };
    case 'LnurlKeyLinked':
      return { ...state, lnurl: new Map([...state.lnurl, [event.data.linkingKey, event.data.claim]]) };
    case 'NostrKeyUnlinked':
      return { ...state, nostr: without(state.nostr, event.data.pubkey) };
    case 'LnurlKeyUnlinked':
      return { ...state, lnurl: without(state.lnurl, event.data.linkingKey) };
    case 'OAuthIdentityLinked':
      return { ...state, oauth: new Map([...state.oauth, [oauthIdentity(event.data.provider, event.data.subject), event.data.claim]]) };
    case 'OAuthIdentityUnlinked':
      return { ...state, oauth: without(state.oauth, oauthIdentity(event.data.provider, event.data.subject)) };
    case 'UserDisabled':
      return { ...state, disabled: true, sessions: new Set() };
    case 'UserEnabled':
      return { ...state, disabled: false };
    case 'AdminGranted':
      return { ...state, isAdmin: true, role: 'admin' };
    case 'AdminRevoked':
      return { ...state, isAdmin: false, role: 'user' };
    case 'AccountReclaimed':
      return state;
    case 'PasswordRemoved':
      return { ...state, passwordHash: null, credentialsEpoch: state.credentialsEpoch + 1 };
    case 'UserDeleted':
      return { ...state, status: 'deleted', sessions: new Set(), username: null, usernameClaim: null, emailClaim: null, totpSecret: null, usrKey: null, nostr: new Map(), lnurl: new Map(), oauth: new Map() };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
};

const identityClaims = (state: UserState) => [...state.nostr.values(), ...state.lnurl.values(), ...state.oauth.values()];

/** The claims (unique-* stream names) the account holds now. */
export const heldClaims = (state: UserState): string[] =>
  [state.usernameClaim, state.emailClaim, state.setupClaim, ...identityClaims(state)].filter((c): c is string => c !== null);

/** The claims an event gives up (the account held them until this event). */
export const claimsGivenUp = (event: UserEvent): string[] => {
  switch (event.type) {
    case 'UsernameChanged':
      return event.data.previousUsernameClaim === event.data.usernameClaim ? [] : [event.data.previousUsernameClaim];
    case 'EmailChanged':
      return event.data.previousEmailClaim && event.data.previousEmailClaim !== event.data.emailClaim ? [event.data.previousEmailClaim] : [];
    case 'NostrKeyUnlinked':
    case 'LnurlKeyUnlinked':
    case 'OAuthIdentityUnlinked':
      return [event.data.claim];
    case 'UserDeleted':
      return event.data.releasedClaims;
    default:
      return [];
  }
};

/** Events that answer a login with a refusal after they are recorded. */
export const failedLogin = (events: UserEvent[]) => events.find((e) => e.type === 'LoginFailed');

const requireActive = (state: UserState) => {
  if (state.status !== 'active') refuse('not_found', 'No such account');
};

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
