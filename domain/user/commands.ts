import type { Role, SessionEndReason, SessionMethod, UserEvent } from './events.js';

/** A session as a sign-in starts it: who asked from where, and the device as new-device notices compare it. */
export type SessionFacts = {
  sessionId: string;
  ip: string | null;
  userAgent: string | null;
  /** Browser and OS family and network prefix (`deviceKey`): what "seen before" compares. */
  device?: string;
  /** When (ISO): what the 90 days of "seen before" count from. */
  at?: string;
};

/**
 * What a sign-in needs to tell whether its device is new to the account (present while
 * NEW_DEVICE_NOTICES is on): the words of the notice, and the device token the request carried.
 */
export type NewDeviceCheck = {
  name: string;
  network: string | null;
  /** The verified address the notice goes to, as it is at the sign-in (null: nobody to tell). */
  email: string | null;
  token?: { deviceId: string; tokenHash: string };
};

/**
 * A second factor as the application found it: checking a TOTP code needs the secret and the
 * clock, so that is done outside and comes in as a fact; a backup code comes as its hash, which
 * the decider compares with the ones the account holds.
 */
export type SecondFactor =
  | { kind: 'none' }
  | { kind: 'totp'; valid: boolean; timeStep: number | null }
  | { kind: 'backup'; codeHash: string }
  | ({ kind: 'passkey' } & PasskeyAssertion);

/**
 * A WebAuthn assertion as the ceremony checked it (challenge, origin, RP ID, signature against the
 * stored public key): `valid` false when the signature did not hold. The counter is compared by the
 * decision, against the account as it stands.
 */
export interface PasskeyAssertion {
  credentialId: string;
  valid: boolean;
  counter: number;
  backedUp: boolean;
  /** The authenticator checked the person (PIN, biometrics): a sign-in with it needs no second factor. */
  userVerified: boolean;
}

/** A passkey as registration verified it, with the claim on its credential id. */
export type NewPasskey = Extract<UserEvent, { type: 'PasskeyAdded' }>['data'] & { claim: string };

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
        emailVerified?: boolean;
        displayName: string | null;
        passwordHash: string | null;
        setupClaim: string | null;
        usr: { key: string; hash: string };
        /** The key or identity the account is made with (Nostr, LNURL-auth, OAuth). */
        identity?: { method: string; id: string; claim: string };
        /** The passkey the account is made with (sign-up with a passkey). */
        passkey?: NewPasskey;
        session: (SessionFacts & { method?: SessionMethod }) | null;
        /** For an account an admin makes: its role (never superadmin), who made it, and a temporary password. */
        role?: Exclude<Role, 'superadmin'>;
        createdBy?: string;
        mustResetPassword?: boolean;
        invitedBy?: { inviteId: string; issuerId: string };
        names?: { firstName: string | null; lastName: string | null };
      };
    }
  | {
      type: 'StartSession';
      data: SessionFacts & {
        method: SessionMethod;
        credentialsValid: boolean;
        secondFactor: SecondFactor;
        /** A passkey sign-in: the assertion that is its first factor (its use is recorded). */
        passkey?: PasskeyAssertion;
        /** A password sign-in from a device the account trusts: its second factor is skipped. */
        trustedDevice?: { deviceId: string; tokenHash: string };
        /** Remember this device, should the sign-in pass the second factor. */
        rememberDevice?: { deviceId: string; tokenHash: string; name: string; expiresAt: string };
        newDevice?: NewDeviceCheck;
        now: Date;
      };
    }
  | { type: 'EndSession'; data: { sessionId: string; reason: SessionEndReason } }
  /** The person took their data out (GDPR art. 15 and 20): recorded in their history. */
  | { type: 'RecordExport'; data: Record<string, never> }
  /**
   * "This wasn't me" from a new-device notice: every session ends, every device is forgotten, the
   * user key is replaced, and the next password sign-in needs a reset. The API keys and ACL tokens
   * were revoked just before (`revokedCredentials`, in their own streams).
   */
  | {
      type: 'DisownSignIn';
      data: {
        /** The link's challenge: one "this wasn't me" per link, however many requests race. */
        challengeId: string;
        sessionId: string;
        revokedCredentials: number;
        newUsr: { key: string; hash: string };
      };
    }
  | { type: 'ForgetDevice'; data: { deviceId: string } }
  | { type: 'ForgetDevices'; data: Record<string, never> }
  /** Several at once ("sign out everywhere else"): those no longer live are passed over. */
  | { type: 'EndSessions'; data: { sessionIds: string[]; reason: SessionEndReason } }
  /** Step-up: the password (and second factor), a passkey, or with no password the second factor alone. */
  | {
      type: 'ProveSession';
      data: { sessionId: string; reauth: { passwordValid: boolean | null; secondFactor: SecondFactor; now: Date } };
    }
  | {
      type: 'UpdateProfile';
      data: {
        displayName?: string | null;
        /** Both names at once; a missing one keeps its value. */
        names?: { firstName?: string | null; lastName?: string | null };
        email?: { value: string; claim: string } | null;
        /** Moving the address needs the password and the second factor: a stolen session must not. */
        reauth?: { passwordValid: boolean | null; secondFactor: SecondFactor; now: Date };
      };
    }
  | { type: 'VerifyEmail'; data: { emailClaim: string } }
  | {
      type: 'ChangeUsername';
      data: {
        username: string;
        usernameClaim: string;
        passwordValid: boolean | null;
        secondFactor: SecondFactor;
        now: Date;
      };
    }
  /** `newUsr`: the person chose to end the account's other credentials, so the user key is replaced too. */
  | {
      type: 'ChangePassword';
      data: {
        passwordHash: string;
        oldPasswordValid: boolean;
        currentSessionId: string;
        secondFactor: SecondFactor;
        now: Date;
        newUsr?: { key: string; hash: string };
      };
    }
  | { type: 'SetInitialPassword'; data: { passwordHash: string } }
  /** A reset ends every session and replaces the user key (`newUsr`); an unverified address is reclaimed first. */
  | { type: 'ResetPassword'; data: { passwordHash: string; newUsr: { key: string; hash: string } } }
  /**
   * An email code proved an address the account never verified: the account is reclaimed (every
   * session, the password, the user key, two-factor and linked identities end) and the prover is
   * signed in.
   */
  | {
      type: 'ReclaimByEmailCode';
      data: {
        emailClaim: string;
        newUsr: { key: string; hash: string };
        session: SessionFacts;
      };
    }
  | {
      type: 'EnableTotp';
      data: { secret: string; codeValid: boolean; timeStep: number | null; backupCodeHashes: string[] };
    }
  | { type: 'DisableTotp'; data: { secondFactor: SecondFactor; now: Date } }
  | { type: 'RegenerateBackupCodes'; data: { secondFactor: SecondFactor; backupCodeHashes: string[]; now: Date } }
  | {
      type: 'RecoverWithBackupCode';
      data: SessionFacts & {
        credentialsValid: boolean;
        codeHash: string;
        newDevice?: NewDeviceCheck;
        now: Date;
      };
    }
  | { type: 'DeleteUser'; data: { passwordValid: boolean | null; secondFactor: SecondFactor; now: Date } }
  /**
   * `reauth`: the password (and second factor) sent with the request; null when the use case
   * found a sign-in recent enough (REAUTH_WINDOW) to stand as the proof.
   */
  | {
      type: 'RotateUsrKey';
      data: {
        key: string;
        hash: string;
        reauth: { passwordValid: boolean; secondFactor: SecondFactor; now: Date } | null;
      };
    }
  | {
      type: 'AddPasskey';
      data: { passkey: NewPasskey; reauth: { passwordValid: boolean | null; secondFactor: SecondFactor; now: Date } };
    }
  | { type: 'RenamePasskey'; data: { credentialId: string; name: string } }
  /** With the proof a sensitive change needs: the password (and second factor), or a passkey. */
  | {
      type: 'RemovePasskey';
      data: {
        credentialId: string;
        usrLoginAllowed: boolean;
        reauth: { passwordValid: boolean | null; secondFactor: SecondFactor; now: Date };
      };
    }
  /** Links a key or identity (`method` as sessions name it, `id` its name there) the caller has proven. */
  | { type: 'LinkIdentity'; data: { method: string; id: string; claim: string } }
  /**
   * Unlinks a linked key or identity.
   * `usrLoginAllowed` says whether the legacy user key counts as a way in (a service setting).
   */
  | { type: 'UnlinkIdentity'; data: { method: string; id: string; usrLoginAllowed: boolean } }
  /**
   * By an admin (`byRole` their role: only the superadmin disables an admin). There is no "last
   * admin" to protect: the superadmin can be neither disabled, demoted nor deleted.
   */
  | { type: 'DisableUser'; data: { by: string; byRole: Role } }
  | { type: 'EnableUser'; data: { by: string } }
  /** `byRole`: the acting admin's role; only a superadmin grants or revokes admin. */
  | { type: 'GrantAdmin'; data: { by: string; byRole: Role } }
  | { type: 'RevokeAdmin'; data: { by: string; byRole: Role } }
  /** A wrong email code for this account: it counts toward the lockout like a wrong password. */
  | { type: 'RecordFailedCode'; data: { now: Date } };

/** What one command carries: each command's function in the concern modules takes this. */
export type CommandData<T extends UserCommand['type']> = Extract<UserCommand, { type: T }>['data'];
