/** The user aggregate's vocabulary, in the past tense. Stream: `user-<uuid>`. */

/** `superadmin` is the first account; only it grants or revokes `admin`. */
export type Role = 'superadmin' | 'admin' | 'user';

export type SessionMethod =
  | 'password'
  | 'register'
  | 'email_code'
  | 'totp_recovery'
  | 'usr'
  | 'nostr'
  | 'lnurl'
  | 'passkey'
  | `oauth:${string}`;
export type SessionEndReason =
  | 'logout'
  | 'revoked'
  | 'password_changed'
  | 'password_reset'
  | 'account_disabled'
  | 'account_deleted'
  | 'account_reclaimed'
  /** The person said a sign-in was not theirs ("this wasn't me"). */
  | 'wasnt_me';
/** What the account keeps of a passkey (`publicKey` base64url, as registration verified it). */
export type PasskeyFacts = {
  publicKey: string;
  counter: number;
  name: string;
  transports: string[];
  backedUp: boolean;
  deviceType: 'singleDevice' | 'multiDevice';
};

export type LoginFailure = 'password' | 'totp' | 'backup_code' | 'email_code' | 'passkey';

export type UserEvent =
  | {
      type: 'UserRegistered';
      data: {
        userId: string;
        username: string;
        usernameClaim: string;
        email: string | null;
        emailClaim: string | null;
        displayName: string | null;
        passwordHash: string | null;
        isAdmin: boolean;
        /** The claim that made this the service's first account, if it was. */
        setupClaim: string | null;
        /** Absent in older events: the first account was `superadmin`, every other one `user`. */
        role?: Role;
        /** Made by an admin (its id); the password is temporary until the owner sets one. */
        createdBy?: string;
        mustResetPassword?: boolean;
        /** Registered with an invite: which one, and who issued it. */
        invitedBy?: { inviteId: string; issuerId: string };
      };
    }
  | {
      type: 'SessionStarted';
      data: {
        sessionId: string;
        method: SessionMethod;
        ip: string | null;
        userAgent: string | null;
        /**
         * The device as new-device notices compare it: browser and OS family and network prefix
         * (`deviceKey`); with `at`, when. Absent in older events.
         */
        device?: string;
        at?: string;
      };
    }
  | { type: 'SessionEnded'; data: { sessionId: string; reason: SessionEndReason } }
  | { type: 'DisplayNameChanged'; data: { displayName: string | null } }
  | { type: 'NameChanged'; data: { firstName: string | null; lastName: string | null } }
  | {
      type: 'EmailChanged';
      data: { email: string | null; emailClaim: string | null; previousEmailClaim: string | null };
    }
  | { type: 'EmailVerified'; data: { emailClaim: string } }
  | { type: 'UsernameChanged'; data: { username: string; usernameClaim: string; previousUsernameClaim: string } }
  | { type: 'PasswordChanged'; data: { passwordHash: string; initial: boolean; reset?: boolean } }
  | { type: 'LoginFailed'; data: { reason: LoginFailure; consecutive: number } }
  | { type: 'AccountLocked'; data: { until: string; failures: number } }
  | { type: 'TotpEnabled'; data: { secret: string; backupCodeHashes: string[] } }
  | { type: 'TotpDisabled'; data: { reason: 'user' | 'recovery' | 'reclaimed' } }
  | { type: 'TotpCodeAccepted'; data: { timeStep: number } }
  | { type: 'BackupCodesRegenerated'; data: { backupCodeHashes: string[] } }
  | { type: 'BackupCodeUsed'; data: { codeHash: string } }
  /** The legacy user key: sealed (it can be shown again), and its SHA-256 for the login lookup. */
  | { type: 'UsrKeyIssued'; data: { usrKey: string; usrHash: string; previousUsrHash: string | null } }
  /**
   * A key or identity that signs in: `method` as sessions name it (`nostr`, `lnurl`,
   * `oauth:<provider>`), `id` its name there (a hex key, the provider's stable subject), `claim`
   * the unique-* stream that keeps it to one account. The last of a method leaving says so (the
   * method leaves `auth_methods`). Stored NostrKey…, LnurlKey… and OAuthIdentity… events are read
   * as these (`upcast.ts`).
   */
  | { type: 'IdentityLinked'; data: { method: string; id: string; claim: string } }
  | { type: 'IdentityUnlinked'; data: { method: string; id: string; claim: string; lastOfMethod: boolean } }
  /** A passkey's own facts; its credential id is also linked as an identity of method `passkey`. */
  | { type: 'PasskeyAdded'; data: PasskeyFacts & { credentialId: string; userHandle: string } }
  | { type: 'PasskeyRenamed'; data: { credentialId: string; name: string } }
  /**
   * A device that passed the second factor is remembered until `expiresAt`: a later password
   * sign-in from it skips the second factor. Only the SHA-256 of its token is kept.
   */
  | { type: 'DeviceTrusted'; data: { deviceId: string; tokenHash: string; name: string; expiresAt: string } }
  | { type: 'DeviceForgotten'; data: { deviceId: string } }
  /** Every trusted device is forgotten (by the person); a password change or reset and 2FA off do it too. */
  | { type: 'DevicesForgotten'; data: { count: number } }
  /**
   * A sign-in from a device the account has not used in the last 90 days (no device token of it,
   * a browser and OS family and network prefix not seen on it): the owner is mailed a notice with
   * a "this wasn't me" link. What the notice says: the device's name, its network, the way in.
   */
  | {
      type: 'NewDeviceSignIn';
      data: {
        sessionId: string;
        method: SessionMethod;
        device: string;
        network: string | null;
        at: string;
        /** The verified address at the sign-in: an address changed right after cannot take the notice away. */
        email: string | null;
      };
    }
  /**
   * "This wasn't me": the owner disowned a sign-in (`sessionId`, the one the notice named). Every
   * session ended and every device was forgotten in the events before, API keys and ACL tokens
   * were revoked (`revokedCredentials`), the user key replaced; the next password sign-in needs a
   * reset by mail.
   */
  | {
      type: 'SignInDisowned';
      data: {
        challengeId: string;
        sessionId: string;
        endedSessions: number;
        forgottenDevices: number;
        revokedCredentials: number;
      };
    }
  /** The person downloaded their own data (`GET /auth/me/export`): the export is part of the audit trail. */
  | { type: 'DataExported'; data: Record<string, never> }
  /** The person behind a live session proved it is them again: sensitive changes are open for a while (step-up). */
  | { type: 'SessionProved'; data: { sessionId: string } }
  /** A sign-in or proof with it: its signature counter, and whether it is backed up now. */
  | { type: 'PasskeyUsed'; data: { credentialId: string; counter: number; backedUp: boolean } }
  /** Its counter went backwards (a cloned authenticator): the use was refused, the owner is told. */
  | { type: 'PasskeyCounterRegressed'; data: { credentialId: string; counter: number; storedCounter: number } }
  | { type: 'UserDisabled'; data: { by: string } }
  | { type: 'UserEnabled'; data: { by: string } }
  | { type: 'AdminGranted'; data: { by: string } }
  | { type: 'AdminRevoked'; data: { by: string } }
  | { type: 'UserDeleted'; data: { releasedClaims: string[] } }
  /**
   * An address that was never verified on the account was proven (an email code or a reset link):
   * whoever set the account up may not be the address's owner, so everything set up before the
   * proof ends in the events that follow (pre-account takeover). What it found, for the audit and the notice.
   */
  | {
      type: 'AccountReclaimed';
      data: {
        via: 'email_code' | 'password_reset';
        endedSessions: number;
        hadPassword: boolean;
        hadTotp: boolean;
        unlinkedIdentities: number;
      };
    }
  /** The password is gone (the account was reclaimed by its address): the owner may set one. */
  | { type: 'PasswordRemoved'; data: { reason: 'account_reclaimed' } };

export type UserEventType = UserEvent['type'];

/**
 * Fields that identify a person, or a secret that must stay recoverable (the TOTP secret). They
 * are sealed with the account's data key before they reach the event store, and read back as
 * null once that key is destroyed.
 */
export const personalFields: { [T in UserEventType]: string[] } = {
  UserRegistered: ['username', 'email', 'displayName'],
  SessionStarted: ['ip', 'userAgent', 'device'],
  SessionEnded: [],
  DisplayNameChanged: ['displayName'],
  NameChanged: ['firstName', 'lastName'],
  EmailChanged: ['email'],
  EmailVerified: [],
  UsernameChanged: ['username'],
  PasswordChanged: [],
  LoginFailed: [],
  AccountLocked: [],
  TotpEnabled: ['secret'],
  TotpDisabled: [],
  TotpCodeAccepted: [],
  BackupCodesRegenerated: [],
  BackupCodeUsed: [],
  UsrKeyIssued: ['usrKey'],
  IdentityLinked: ['id'],
  IdentityUnlinked: ['id'],
  PasskeyAdded: ['credentialId', 'publicKey', 'name', 'userHandle'],
  PasskeyRenamed: ['credentialId', 'name'],
  SessionProved: [],
  NewDeviceSignIn: ['device', 'network', 'email'],
  SignInDisowned: [],
  DataExported: [],
  DeviceTrusted: ['name'],
  DeviceForgotten: [],
  DevicesForgotten: [],
  PasskeyUsed: ['credentialId'],
  PasskeyCounterRegressed: ['credentialId'],
  UserDisabled: [],
  UserEnabled: [],
  AdminGranted: [],
  AdminRevoked: [],
  UserDeleted: [],
  AccountReclaimed: [],
  PasswordRemoved: [],
};

export const userStream = (userId: string) => `user-${userId}`;

/** The account a `user-<uuid>` stream belongs to. */
export const userIdOfStream = (streamId: string) => streamId.slice('user-'.length);
