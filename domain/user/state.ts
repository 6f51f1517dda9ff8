import { refuse } from '../shared/errors.js';
import type { PasskeyFacts, Role, UserEvent } from './events.js';
import type { SecurityState } from './lockout.js';

/** The user aggregate's state, folded from its events; every command module decides on it. */
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
  /** Linked keys and identities (Nostr keys, LNURL linking keys, OAuth identities, passkeys) by `identityKey`. */
  identities: ReadonlyMap<string, LinkedIdentity>;
  /** What the account keeps of each passkey, by credential id (a passkey signs in while its identity is linked). */
  passkeys: ReadonlyMap<string, StoredPasskey>;
  /** The account's WebAuthn user handle, once it has had a passkey (random; never the id or the name). */
  passkeyUserHandle: string | null;
  /** Devices that skip the second factor of a password sign-in, by device id (the hash of their token, and until when). */
  trustedDevices: ReadonlyMap<string, { tokenHash: string; expiresAt: string }>;
  /** The devices (`deviceKey`) the account signed in from in the 90 days before its last sign-in, and when last. */
  seenDevices: ReadonlyMap<string, string>;
  /** Whether any sign-in recorded its device: until one did, there is nothing to call a device new against. */
  devicesRecorded: boolean;
  /** "This wasn't me" was said: a password sign-in is refused until the password is reset by mail. */
  passwordResetRequired: boolean;
  /** The "this wasn't me" links already acted on (their challenge ids). */
  disownedBy: ReadonlySet<string>;
}

/** How long a device counts as seen on the account after its last sign-in from it. */
export const DEVICE_MEMORY_MS = 90 * 86_400_000;

/** What the account keeps of a passkey. */
export type StoredPasskey = PasskeyFacts;

/** A key or identity linked to the account, and the claim that keeps it to this one. */
export interface LinkedIdentity {
  method: string;
  id: string;
  claim: string;
}

/** How the account names a linked identity: `<method>:<id>` (`nostr:<hex>`, `oauth:github:<subject>`). */
export const identityKey = (method: string, id: string) => `${method}:${id}`;

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
  identities: new Map(),
  passkeys: new Map(),
  passkeyUserHandle: null,
  trustedDevices: new Map(),
  seenDevices: new Map(),
  devicesRecorded: false,
  passwordResetRequired: false,
  disownedBy: new Set(),
  totpSecret: null,
  lastTotpStep: null,
  backupCodes: [],
  failedLogins: 0,
  lockedUntil: null,
});

/** The role an account was made with (older events carry only isAdmin: the first account's). */
export const roleOf = (data: { role?: Role; isAdmin: boolean }): Role =>
  data.role ?? (data.isAdmin ? 'superadmin' : 'user');

const without = <V>(map: ReadonlyMap<string, V>, key: string) => new Map([...map].filter(([k]) => k !== key));

/** The device seen at `at`, and only those seen in the 90 days before it (the map stays small). */
const seen = (devices: ReadonlyMap<string, string>, device: string, at: string) => {
  const since = Date.parse(at) - DEVICE_MEMORY_MS;
  const next = new Map([...devices].filter(([key, last]) => key !== device && Date.parse(last) >= since));
  return next.set(device, at);
};

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
    case 'SessionStarted': {
      const started = { ...state, failedLogins: 0, sessions: withSession(state.sessions, event.data.sessionId, true) };
      const { device, at } = event.data;
      return device && at
        ? { ...started, seenDevices: seen(state.seenDevices, device, at), devicesRecorded: true }
        : started;
    }
    case 'SessionEnded':
      return { ...state, sessions: withSession(state.sessions, event.data.sessionId, false) };
    case 'DisplayNameChanged':
      return state;
    case 'NameChanged':
      return { ...state, names: { firstName: event.data.firstName, lastName: event.data.lastName } };
    case 'EmailChanged':
      return {
        ...state,
        emailClaim: event.data.emailClaim,
        emailVerified: false,
        credentialsEpoch: state.credentialsEpoch + 1,
      };
    case 'EmailVerified':
      return event.data.emailClaim === state.emailClaim ? { ...state, emailVerified: true } : state;
    case 'UsernameChanged':
      return { ...state, username: event.data.username, usernameClaim: event.data.usernameClaim };
    case 'PasswordChanged': {
      const next = {
        ...state,
        passwordHash: event.data.passwordHash,
        credentialsEpoch: state.credentialsEpoch + 1,
        mustResetPassword: false,
      };
      // A new password forgets every trusted device: they were trusted on the old one's proof.
      const forgotten = { ...next, trustedDevices: new Map() };
      // Only a reset by mail lifts "this wasn't me": whoever signed in may know the old password.
      return event.data.reset
        ? { ...forgotten, failedLogins: 0, lockedUntil: null, passwordResetRequired: false }
        : forgotten;
    }
    case 'LoginFailed':
      return { ...state, failedLogins: event.data.consecutive };
    case 'AccountLocked':
      return { ...state, failedLogins: 0, lockedUntil: new Date(event.data.until) };
    case 'TotpEnabled':
      return { ...state, totpSecret: event.data.secret, backupCodes: event.data.backupCodeHashes };
    case 'TotpDisabled':
      // With no second factor, there is nothing for a device to skip: they are forgotten.
      return { ...state, totpSecret: null, backupCodes: [], trustedDevices: new Map() };
    case 'DeviceTrusted': {
      const { deviceId, tokenHash, expiresAt } = event.data;
      return { ...state, trustedDevices: new Map([...state.trustedDevices, [deviceId, { tokenHash, expiresAt }]]) };
    }
    case 'DeviceForgotten':
      return { ...state, trustedDevices: without(state.trustedDevices, event.data.deviceId) };
    case 'DevicesForgotten':
      return { ...state, trustedDevices: new Map() };
    case 'TotpCodeAccepted':
      return { ...state, lastTotpStep: Math.max(state.lastTotpStep ?? 0, event.data.timeStep) };
    case 'BackupCodesRegenerated':
      return { ...state, backupCodes: event.data.backupCodeHashes };
    case 'BackupCodeUsed':
      return { ...state, backupCodes: state.backupCodes.filter((hash) => hash !== event.data.codeHash) };
    case 'UsrKeyIssued':
      return { ...state, usrKey: event.data.usrKey, usrHash: event.data.usrHash };
    case 'IdentityLinked': {
      const { method, id, claim } = event.data;
      return { ...state, identities: new Map([...state.identities, [identityKey(method, id), { method, id, claim }]]) };
    }
    case 'IdentityUnlinked': {
      const passkeys = without(state.passkeys, event.data.id);
      return {
        ...state,
        identities: without(state.identities, identityKey(event.data.method, event.data.id)),
        passkeys,
        // With its last passkey gone (a reclaim, say), the next one gets a handle of its own.
        passkeyUserHandle: passkeys.size > 0 ? state.passkeyUserHandle : null,
      };
    }
    case 'PasskeyAdded': {
      const { credentialId, userHandle, ...passkey } = event.data;
      return {
        ...state,
        passkeys: new Map([...state.passkeys, [credentialId, passkey]]),
        passkeyUserHandle: state.passkeyUserHandle ?? userHandle,
      };
    }
    case 'PasskeyRenamed':
    case 'PasskeyUsed': {
      const passkey = state.passkeys.get(event.data.credentialId);
      if (!passkey) return state;
      const { credentialId: _id, ...change } = event.data;
      const next = { ...passkey, ...change };
      return { ...state, passkeys: new Map([...state.passkeys, [event.data.credentialId, next]]) };
    }
    case 'PasskeyCounterRegressed':
    case 'SessionProved':
    case 'NewDeviceSignIn':
    case 'DataExported':
      return state;
    case 'SignInDisowned':
      // Every device it had seen is forgotten too: the stranger's own would otherwise count as known.
      return {
        ...state,
        passwordResetRequired: true,
        seenDevices: new Map(),
        disownedBy: new Set([...state.disownedBy, event.data.challengeId]),
      };
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
      return {
        ...state,
        status: 'deleted',
        sessions: new Set(),
        username: null,
        usernameClaim: null,
        emailClaim: null,
        totpSecret: null,
        usrKey: null,
        identities: new Map(),
        passkeys: new Map(),
        trustedDevices: new Map(),
        seenDevices: new Map(),
      };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
};

/** Every command but registration and sign-in needs a live account. */
export const requireActive = (state: UserState) => {
  if (state.status !== 'active') refuse('not_found', 'No such account');
};
