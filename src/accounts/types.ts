import type { Logger } from 'pino';
import type { Role, SessionMethod } from '../../domain/user/events.js';
import type { CommandHandler } from '../commands/handler.js';
import type { EventCodec } from '../events/codec.js';
import type { OAuthProviders } from '../login-methods/oauth/providers.js';
import type { LoginMethodFacts } from './login-methods.js';
import type { NewPasskey } from '../../domain/user/commands.js';
import type { EventStore } from '../ports/event-store.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { KeyStore } from '../ports/key-store.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { PasswordPolicy } from '../passwords/policy.js';
import type { Captcha } from '../captcha/captcha.js';
import type { RateDecision } from '../ports/rate-limiter.js';
import type { ProjectionRunner } from '../projections/runner.js';
import type { TokenSigner } from '../tokens/jwt.js';
import type { Challenges } from './challenges.js';
import type { Claims } from './claims.js';
import { DomainError } from '../../domain/shared/errors.js';
import type { UsageTracker } from './usage.js';

/* The vocabulary every account module shares: who asks, what a sign-in hands out, what the accounts layer is built from. */

/** Who is asking, as the HTTP layer saw it. */
export interface RequestInfo {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  /** The CAPTCHA token the request carried (`captcha_token` in its body or query, or `X-Captcha-Token`). */
  captchaToken?: string | null;
  /** A CAPTCHA this flow already passed at its start (an OAuth or LNURL sign-in that makes an account later). */
  captchaPassed?: boolean;
  /** The trusted-device cookie the browser sent, if any: a device the account knows is not new to it. */
  deviceToken?: string | null;
}

/**
 * An authenticated caller: a session (a login), an ACL token (acting as its user on what its ACL
 * allows), or an API key (acting as its user, except on the privileged endpoints).
 */
export interface Caller {
  kind: 'session' | 'acl' | 'apikey';
  userId: string;
  /** Only for sessions. */
  sessionId: string | null;
  /** Only for sessions: when its sign-in proved the person. */
  provedAt?: Date;
  isAdmin: boolean;
  /** The account's role; only a superadmin changes who is an admin. */
  role?: Role;
  /** An admin made the account with a temporary password: only the password change is open. */
  mustResetPassword?: boolean;
  /** For ACL tokens: the ACL and the patterns it allows now. */
  aclId?: string;
  /** The ACL token's or API key's id. */
  credentialId?: string;
}

/** The session of a caller on a session-only endpoint (the authorization layer guarantees one). */
export const sessionOf = (caller: Caller): string => {
  if (!caller.sessionId) throw new DomainError('forbidden', 'This needs a login session');
  return caller.sessionId;
};

export interface Issued {
  token: string;
  expiresAt: Date;
  position: bigint | null;
  /** The legacy user key, shown once: at registration. */
  usr?: string;
  /** A device remembered at this sign-in (`remember_device`): its token, shown once, and its expiry. */
  device?: { token: string; expiresAt: string };
}

export interface AccountsDeps {
  eventStore: EventStore;
  codec: EventCodec;
  commands: CommandHandler;
  projections: ProjectionRunner;
  hasher: PasswordHasher;
  /** What a new password must pass: strength (zxcvbn-ts) and, when on, the breached-password check. */
  passwords: PasswordPolicy;
  /** The CAPTCHA check, when CAPTCHA_PROVIDER is set. */
  captcha: Captcha | null;
  signer: TokenSigner;
  keyStore: KeyStore;
  claims: Claims;
  challenges: Challenges;
  queue: JobQueue;
  /**
   * Keyed limits that no per-IP limit can stand in for: codes issued per address or account
   * (`issue`, CODE_ISSUE_LIMIT an hour), wrong codes per address or account across codes
   * (`failures`, CODE_FAILURE_LIMIT an hour), and failed logins for names that have no account
   * (`unknownLogin`, the lockout's own numbers). Keys hold HMACs or ids, never an address.
   */
  limits: Record<
    'issue' | 'failures' | 'unknownLogin' | 'signInFailures',
    { consume(key: string): Promise<RateDecision>; check(key: string): Promise<RateDecision> }
  >;
  clock: () => Date;
  logger: Logger;
  settings: {
    registration: 'open' | 'invite' | 'closed';
    invites: 'admins' | 'users';
    allowUsrLogin: boolean;
    readYourWritesTimeoutMs: number;
    /** REAUTH_WINDOW: a sign-in this recent proves the person for a sensitive read. */
    reauthWindowMs: number;
    /** TRUSTED_DEVICE_TTL: how long a remembered device skips the second factor. */
    trustedDeviceTtlMs: number;
    /** NEW_DEVICE_NOTICES: mail a notice of a sign-in from a device new to the account. */
    newDeviceNotices: boolean;
    serviceName: string;
    publicUrl: string;
    /** ALLOWED_REDIRECTS: where a sign-in may send the browser back to. */
    allowedRedirects: readonly string[];
    /** The WebAuthn relying party passkeys are made for and checked against. */
    passkeys: RelyingParty;
  };
  /** The one list of ways in (`src/login-methods/`): setup-status, unlinking and the history read it. */
  loginMethods: readonly LoginMethodFacts[];
  /** When credentials, sessions and trusted devices were last used (to the minute). */
  usage: UsageTracker;
  /** The configured OAuth 2 / OIDC providers by name. */
  oauth: OAuthProviders;
  /** The service key behind HMACs of one-time identifiers (NIP-98 event ids). */
  hmacKey: Buffer;
}

/** The WebAuthn relying party: `PASSKEY_RP_ID` and `PASSKEY_ORIGINS`, by default from `PUBLIC_URL`. */
export interface RelyingParty {
  id: string;
  name: string;
  origins: readonly string[];
}

/** What a new account is made of; every way of registering fills part of it. */
export interface NewAccount {
  userId?: string;
  username: string;
  passwordHash: string | null;
  email: string | null;
  emailVerified?: boolean;
  displayName: string | null;
  method?: SessionMethod;
  /** The key or identity it is made with, claimed for it already. */
  identity?: { method: string; id: string; claim: string };
  /** The passkey it is made with (its credential id claimed for it already). */
  passkey?: NewPasskey;
  names?: { firstName: string | null; lastName: string | null };
  /** The invite it registers with (`REGISTRATION=invite` needs one). */
  invite?: { inviteId: string };
  /** Made by this admin, with this role, and a temporary password to replace. */
  createdBy?: string;
  role?: 'admin' | 'user';
  mustResetPassword?: boolean;
}
