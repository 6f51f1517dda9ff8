import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { OAuthProviders } from '../oauth/providers.js';
import { v5 as uuidv5 } from 'uuid';
import { inviteDecider, inviteStream, type InviteCommand, type InviteEvent, type InviteState } from '../../domain/invite/decider.js';
import type { Logger } from 'pino';
import { DomainError, isDomainError, refuse } from '../../domain/shared/errors.js';
import { failedLogin, userDecider, type UserState } from '../../domain/user/decider.js';
import { userStream, type Role, type SessionMethod, type UserEvent } from '../../domain/user/events.js';
import type { UserCommand } from '../../domain/user/commands.js';
import { normalizeEmail, normalizeUsername, passwordWeakness } from '../../domain/user/rules.js';
import { LOOKUPS } from '../../projections/lookups.js';
import { USERS } from '../../projections/me.js';
import { SESSIONS } from '../../projections/sessions.js';
import type { CommandHandler, Written } from '../commands/handler.js';
export type { Written } from '../commands/handler.js';
import type { CommandContext, EventCodec } from '../events/codec.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { MailTemplate } from '../mail/templates.js';
import { JOBS } from '../jobs.js';
import { CHALLENGE_TTL_MS } from '../../domain/challenge/decider.js';
import type { EventStore } from '../ports/event-store.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { KeyStore } from '../ports/key-store.js';
import type { ProjectionRunner } from '../projections/runner.js';
import type { TokenSigner } from '../tokens/jwt.js';
import type { RateDecision } from '../ports/rate-limiter.js';
import type { Challenges } from './challenges.js';
import type { Claims } from './claims.js';
import { sixDigitCode } from './second-factor.js';
import { toUserObject, type UserObject } from './user-view.js';

/** Who is asking, as the HTTP layer saw it. */
export interface RequestInfo {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
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
  signedInAt?: Date;
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
}

/** A legacy user key: 256 random bits, hex; found at login by its SHA-256. */
export const newUsrKey = () => {
  const key = randomBytes(32).toString('hex');
  return { key, hash: hashUsrKey(key) };
};
export const hashUsrKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

export interface AccountsDeps {
  eventStore: EventStore;
  codec: EventCodec;
  commands: CommandHandler;
  projections: ProjectionRunner;
  hasher: PasswordHasher;
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
  limits: Record<'issue' | 'failures' | 'unknownLogin', { consume(key: string): Promise<RateDecision>; check(key: string): Promise<RateDecision> }>;
  clock: () => Date;
  logger: Logger;
  settings: {
    registration: 'open' | 'invite' | 'closed';
    invites: 'admins' | 'users';
    allowUsrLogin: boolean;
    readYourWritesTimeoutMs: number;
    /** REAUTH_WINDOW: a sign-in this recent proves the person for a sensitive read. */
    reauthWindowMs: number;
    serviceName: string;
    publicUrl: string;
    /** ALLOWED_REDIRECTS: where a sign-in may send the browser back to. */
    allowedRedirects: readonly string[];
  };
  /** The configured OAuth 2 / OIDC providers by name. */
  oauth: OAuthProviders;
  /** The service key behind HMACs of one-time identifiers (NIP-98 event ids). */
  hmacKey: Buffer;
}


const SETUP_VALUE = 'first-account';

/** What a new account is made of; every way of registering fills part of it. */
export interface NewAccount {
  userId?: string;
  username: string;
  passwordHash: string | null;
  email: string | null;
  emailVerified?: boolean;
  displayName: string | null;
  method?: SessionMethod;
  nostr?: { pubkey: string; claim: string };
  lnurl?: { linkingKey: string; claim: string };
  oauth?: { provider: string; subject: string; claim: string };
  names?: { firstName: string | null; lastName: string | null };
  /** The invite it registers with (`REGISTRATION=invite` needs one). */
  invite?: { inviteId: string };
  /** Made by this admin, with this role, and a temporary password to replace. */
  createdBy?: string;
  role?: 'admin' | 'user';
  mustResetPassword?: boolean;
}

// An invite's stream is named by its token: the token itself is never stored.
const INVITE_NAMESPACE = '9d3c1a7e-6b2f-4e85-a0d4-3f7b2c9e1d56';
const INVITE_TOKEN = /^inv_[A-Za-z0-9_-]{43}$/;
/** The invite a token names, or a refusal when it cannot be one. */
export const inviteIdOf = (token: string): string => {
  if (!INVITE_TOKEN.test(token)) refuse('invite_required', 'This invite is not valid');
  return uuidv5(createHash('sha256').update(token).digest('hex'), INVITE_NAMESPACE);
};

/** What every account module shares: contexts, read-your-writes, token issuing, claims, mail. */
export function createKit(deps: AccountsDeps) {
  const users = () => deps.projections.collection('me', USERS);
  const lookups = () => deps.projections.collection('lookups', LOOKUPS);
  const sessions = () => deps.projections.collection('sessions', SESSIONS);
  let setupDone = false;

  const context = (request: RequestInfo, actor: string | null): CommandContext => ({
    commandId: randomUUID(),
    correlationId: request.requestId,
    actor,
    ip: request.ip,
    userAgent: request.userAgent,
  });

  const waitForReadModels = async (position: bigint | null, names: string[]) => {
    if (names.length === 0) return;
    const reached = await deps.projections.waitFor(position, names, deps.settings.readYourWritesTimeoutMs);
    if (!reached) deps.logger.warn({ position: String(position), names }, 'read models lag behind a command');
  };

  /**
   * Read-your-writes: the answer waits (bounded) until every read model that shows what these
   * commands appended has applied it. Which ones follows from the event types (see
   * `readModelsShowing`); a command that appended nothing waits for nothing.
   */
  const settle = async (...written: Written[]) => {
    const position = written.reduce<bigint | null>((last, w) => (w.position !== null && (last === null || w.position > last) ? w.position : last), null);
    await waitForReadModels(position, deps.projections.readModelsShowing(written.flatMap((w) => w.events.map((e) => e.type))));
  };

  /**
   * Before answering from a read model what another process may have just written (a code the
   * worker issued), catch up with the store's head, bounded like read-your-writes. Named by the
   * collections about to be read.
   */
  const catchUp = async (...collections: string[]) =>
    waitForReadModels(await deps.eventStore.headPosition(), [...new Set(collections.map((c) => deps.projections.readModelOf(c)))]);

  const onUser = (userId: string, decide: (state: UserState) => Promise<UserCommand> | UserCommand, ctx: CommandContext) =>
    deps.commands.handle<UserEvent, UserState>(userDecider, userStream(userId), async (state) =>
      userDecider.decide(await decide(state), state), ctx);

  const loadUser = async (userId: string) => (await deps.commands.load(userDecider, userStream(userId))).state;

  const requireStrongPassword = (password: string, username: string | null, path: string) => {
    const weakness = passwordWeakness(password, username);
    if (weakness) refuse('validation_failed', weakness, [{ path, message: weakness }]);
  };

  /**
   * A password check for one command: bcrypt runs once per stored hash, so a retry after a
   * conflict (a concurrent login on the same account) does not pay for it again.
   */
  const passwordCheck = (password: string | undefined) => {
    const results = new Map<string | null, Promise<boolean>>();
    return (state: UserState): Promise<boolean> => {
      if (password === undefined) return Promise.resolve(false);
      let result = results.get(state.passwordHash);
      if (!result) results.set(state.passwordHash, (result = deps.hasher.verify(password, state.passwordHash)));
      return result;
    };
  };

  /** A login whose decision recorded a failure is answered with the matching refusal. */
  const refuseFailedLogin = (events: UserEvent[]) => {
    const failure = failedLogin(events);
    if (failure?.type !== 'LoginFailed') return;
    if (failure.data.reason === 'password') refuse('invalid_credentials', 'Invalid username or password');
    if (failure.data.reason === 'email_code') refuse('invalid_credentials', 'The code is wrong');
    refuse('invalid_totp', 'The two-factor code is wrong or was already used');
  };

  /** The token of a session the command `written` started, once the read models show it. */
  const issue = async (userId: string, sessionId: string, written: Written): Promise<Issued> => {
    await settle(written);
    return { ...(await deps.signer.issue(userId, sessionId)), position: written.position };
  };

  const userObject = async (userId: string): Promise<UserObject> => {
    const doc = await users().findOne({ _id: userId });
    if (!doc) return refuse('not_found', 'No such account');
    return toUserObject(doc);
  };

  const releaseAll = async (streams: (string | null)[], owner: string, ctx: CommandContext) => {
    for (const stream of streams) {
      if (stream) await deps.claims.release(stream, owner, ctx).catch((err: unknown) => deps.logger.error({ err, correlationId: ctx.correlationId }, 'claim release failed'));
    }
  };

  /** Whether the first account exists; once it does, that never changes, so it is remembered. */
  const isSetUp = async () => {
    if (!setupDone) setupDone = (await deps.claims.holder(deps.claims.streamOf('setup', SETUP_VALUE)))?.standing === 'holds';
    return setupDone;
  };

  /** The first account takes the set-up claim and becomes admin; later ones find it held. */
  const takeSetupClaim = async (owner: string, ctx: CommandContext): Promise<string | null> => {
    if (setupDone) return null;
    try {
      return await deps.claims.claim('setup', SETUP_VALUE, owner, ctx);
    } catch (error) {
      if (isDomainError(error) && error.code === 'conflict') {
        await isSetUp();
        return null;
      }
      throw error;
    }
  };

  /** An invite's use, taken for a new account (given back should the registration fail). */
  const onInvite = (inviteId: string, command: InviteCommand, ctx: CommandContext) =>
    deps.commands.handle<InviteEvent, InviteState>(inviteDecider, inviteStream(inviteId), (state) => inviteDecider.decide(command, state), ctx);

  const takeInvite = async (inviteId: string, userId: string, registrationId: string, ctx: CommandContext) => {
    const { state } = await onInvite(inviteId, { type: 'UseInvite', data: { userId, registrationId, now: deps.clock() } }, ctx);
    // An invite dies with its issuer's standing: a deleted or disabled account invites no one, and
    // with INVITES=admins neither does one that is no longer an admin.
    const issuer = await users().findOne({ _id: state.issuerId! });
    if (!issuer || issuer.disabled === true || (deps.settings.invites === 'admins' && issuer.is_admin !== true) || (state.role === 'admin' && issuer.role !== 'superadmin')) {
      await onInvite(inviteId, { type: 'ReturnInviteUse', data: { registrationId } }, ctx);
      refuse('invite_required', 'This invite is no longer valid');
    }
    return { inviteId, issuerId: state.issuerId!, role: state.role };
  };

  /** The registration mode's refusal of a new account (once the first account exists). */
  const refuseByRegistrationMode = (withInvite: boolean) => {
    if (deps.settings.registration === 'closed') refuse('registration_closed', 'Registration is closed');
    if (deps.settings.registration === 'invite' && !withInvite) refuse('invite_required', 'Registration needs an invite: send its token as referrer_token');
  };

  /**
   * Makes an account: set-up claim, the registration mode (and the invite's use), username and
   * email claims, then the account's own events. A refusal on the way gives back what this
   * request took (its owner id is new, so no other request can be using those claims).
   */
  const createAccount = async (
    input: NewAccount,
    request: RequestInfo,
    options: { session: boolean },
  ): Promise<{ userId: string; sessionId: string | null; position: bigint | null; events: readonly { type: string }[]; usr: string }> => {
    const userId = input.userId ?? randomUUID();
    // One spelling of an address everywhere: its claim, its lookup and the account (providers and admins may send any case).
    input = { ...input, email: input.email ? normalizeEmail(input.email) : null };
    const ctx = context(request, input.createdBy ?? userId);
    const setupClaim = await takeSetupClaim(userId, ctx);
    // The first account is always allowed; an admin may always make one.
    if (!setupClaim && !input.createdBy) refuseByRegistrationMode(input.invite !== undefined);
    const claimed: string[] = [];
    let invite: { inviteId: string; issuerId: string; role: 'user' | 'admin' } | null = null;
    // This attempt's name for the invite use it takes: only this attempt gives that use back.
    const registrationId = randomUUID();
    try {
      if (input.invite && !setupClaim && !input.createdBy) invite = await takeInvite(input.invite.inviteId, userId, registrationId, ctx);
      claimed.push(await deps.claims.claim('username', normalizeUsername(input.username), userId, ctx));
      if (input.email) claimed.push(await deps.claims.claim('email', input.email, userId, ctx));
      const sessionId = options.session ? randomUUID() : null;
      const usr = newUsrKey();
      const role = input.role ?? (invite?.role === 'admin' ? 'admin' : undefined);
      const result = await onUser(userId, () => ({
        type: 'RegisterUser',
        data: {
          userId,
          username: input.username,
          usernameClaim: claimed[0]!,
          email: input.email,
          emailClaim: claimed[1] ?? null,
          emailVerified: input.emailVerified ?? false,
          displayName: input.displayName,
          passwordHash: input.passwordHash,
          setupClaim,
          usr,
          ...(input.nostr ? { nostr: input.nostr } : {}),
          ...(input.lnurl ? { lnurl: input.lnurl } : {}),
          ...(input.oauth ? { oauth: input.oauth } : {}),
          ...(role ? { role } : {}),
          ...(input.names ? { names: input.names } : {}),
          ...(input.createdBy ? { createdBy: input.createdBy, mustResetPassword: input.mustResetPassword ?? false } : {}),
          ...(invite ? { invitedBy: { inviteId: invite.inviteId, issuerId: invite.issuerId } } : {}),
          session: sessionId ? { sessionId, method: input.method, ip: request.ip, userAgent: request.userAgent } : null,
        },
      }), ctx);
      if (setupClaim) setupDone = true;
      return { userId, sessionId, position: result.position, events: result.events, usr: usr.key };
    } catch (error) {
      await releaseAll([...claimed, setupClaim], userId, ctx);
      if (invite) await onInvite(invite.inviteId, { type: 'ReturnInviteUse', data: { registrationId } }, ctx).catch((err: unknown) => deps.logger.error({ err, correlationId: ctx.correlationId }, 'invite use not given back'));
      throw error;
    }
  };

  /** Makes an account and signs it in: every way of registering comes through here. */
  const registerAccount = async (input: NewAccount, request: RequestInfo): Promise<Issued & { userId: string }> => {
    const made = await createAccount(input, request, { session: true });
    return { ...(await issue(made.userId, made.sessionId!, made)), userId: made.userId, usr: made.usr };
  };

  /**
   * A mail that carries a secret goes to the queue right after its command: the secret lives in
   * the job only and is removed once it is sent. When the queue cannot take it, the request fails
   * (503) and the user asks again.
   */
  const sendMail = async (to: string, template: MailTemplate, jobId: string) => {
    try {
      await deps.queue.add(JOBS.sendMail, { kind: template.kind, to, template }, { jobId, attempts: 8, backoffMs: 2000, secretFields: ['template', 'to'] });
    } catch (err) {
      deps.logger.error({ err, kind: template.kind }, 'could not enqueue a mail');
      throw new DomainError('unavailable', 'Mail cannot be sent right now; try again shortly');
    }
  };

  /**
   * A request whose answer must not depend on whether the address has an account: it only goes
   * to the queue (the address in the job until it is done), and a worker does the rest.
   */
  const enqueueRequest = async (name: string, email: string) => {
    try {
      await deps.queue.add(name, { email }, { jobId: randomUUID(), attempts: 5, backoffMs: 2000, secretFields: ['email'] });
    } catch (err) {
      deps.logger.error({ err, job: name }, 'could not enqueue a request');
      throw new DomainError('unavailable', 'Mail cannot be sent right now; try again shortly');
    }
  };

  /** An email-verification code for the account's current address; answers its otp_session. */
  const sendEmailVerification = async (userId: string, email: string, emailClaim: string, ctx: CommandContext) => {
    const code = sixDigitCode();
    const { challengeId } = await deps.challenges.issue({ purpose: 'email_verification', userId, emailClaim, secret: code, ttlMs: CHALLENGE_TTL_MS.email_verification }, ctx);
    await sendMail(email, { kind: 'email_verification', code, otpSession: challengeId }, `mail:${challengeId}`);
    return challengeId;
  };

  const erase = async (userId: string) => {
    await deps.keyStore.destroy(userId);
    deps.codec.forget(userId);
  };

  return {
    deps, users, lookups, sessions, context, settle, catchUp, onUser, loadUser, requireStrongPassword, passwordCheck,
    refuseFailedLogin, issue, userObject, releaseAll, isSetUp, refuseByRegistrationMode, registerAccount, createAccount, onInvite, sendMail, enqueueRequest, sendEmailVerification, erase,
  };
}

export type Kit = ReturnType<typeof createKit>;
