import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DomainError, isDomainError, refuse } from '../../domain/shared/errors.js';
import { userDecider, type UserState } from '../../domain/user/decider.js';
import { userStream, type UserEvent } from '../../domain/user/events.js';
import type { UserCommand } from '../../domain/user/commands.js';
import { normalizeEmail, normalizeUsername, passwordWeakness } from '../../domain/user/rules.js';
import { emailKey, LOOKUPS, usernameKey } from '../../projections/lookups.js';
import { USERS } from '../../projections/me.js';
import { SESSIONS } from '../../projections/sessions.js';
import type { CommandHandler } from '../commands/handler.js';
import type { CommandContext, EventCodec } from '../events/codec.js';
import type { EventStore } from '../ports/event-store.js';
import type { PasswordHasher } from '../infra/bcrypt/pool.js';
import type { KeyStore } from '../ports/key-store.js';
import type { ProjectionRunner } from '../projections/runner.js';
import type { TokenSigner } from '../tokens/jwt.js';
import type { Claims } from './claims.js';
import { toUserObject, type UserObject } from './user-view.js';
import { summarize } from './history.js';

/** Who is asking, as the HTTP layer saw it. */
export interface RequestInfo {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
}

/** An authenticated caller. */
export interface Caller {
  userId: string;
  sessionId: string;
  isAdmin: boolean;
}

export interface Issued {
  token: string;
  expiresAt: Date;
  position: bigint | null;
}

export interface AccountsDeps {
  eventStore: EventStore;
  codec: EventCodec;
  commands: CommandHandler;
  projections: ProjectionRunner;
  hasher: PasswordHasher;
  signer: TokenSigner;
  keyStore: KeyStore;
  claims: Claims;
  clock: () => Date;
  logger: Logger;
  settings: { allowNewAccounts: boolean; readYourWritesTimeoutMs: number };
}

const SETUP_VALUE = 'first-account';

export function createAccounts(deps: AccountsDeps) {
  const users = () => deps.projections.collection('me', USERS);
  const lookups = () => deps.projections.collection('lookups', LOOKUPS);
  const sessions = () => deps.projections.collection('sessions', SESSIONS);
  // When each session was last used: in memory only, bounded, never an event per request.
  const lastSeen = new Map<string, Date>();
  const seen = (sessionId: string, at: Date) => {
    lastSeen.delete(sessionId);
    if (lastSeen.size >= 100_000) lastSeen.delete(lastSeen.keys().next().value!);
    lastSeen.set(sessionId, at);
  };
  let setupDone = false;

  const context = (request: RequestInfo, actor: string | null): CommandContext => ({
    commandId: randomUUID(),
    correlationId: request.requestId,
    actor,
    ip: request.ip,
    userAgent: request.userAgent,
  });

  /** Read-your-writes: the answer waits (bounded) until these read models show the command. */
  const erase = async (userId: string) => {
    await deps.keyStore.destroy(userId);
    deps.codec.forget(userId);
  };

  const settle = async (position: bigint | null, names: string[]) => {
    const reached = await deps.projections.waitFor(position, names, deps.settings.readYourWritesTimeoutMs);
    if (!reached) deps.logger.warn({ position: String(position), names }, 'read models lag behind a command');
  };

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

  const issue = async (userId: string, sessionId: string, position: bigint | null): Promise<Issued> => {
    await settle(position, ['sessions', 'me', 'lookups']);
    return { ...(await deps.signer.issue(userId, sessionId)), position };
  };

  const userObject = async (userId: string): Promise<UserObject> => {
    const doc = await users().findOne({ _id: userId });
    if (!doc) return refuse('not_found', 'No such account');
    return toUserObject(doc);
  };

  /** Claims a value, returns its stream; on refusal, releases what was claimed before it. */
  const claimAll = async (wanted: { kind: 'username' | 'email'; value: string }[], owner: string, ctx: CommandContext) => {
    const claimed: string[] = [];
    try {
      for (const { kind, value } of wanted) claimed.push(await deps.claims.claim(kind, value, owner, ctx));
      return claimed;
    } catch (error) {
      await releaseAll(claimed, owner, ctx);
      throw error;
    }
  };
  const releaseAll = async (streams: (string | null)[], owner: string, ctx: CommandContext) => {
    for (const stream of streams) {
      if (stream) await deps.claims.release(stream, owner, ctx).catch((err: unknown) => deps.logger.error({ err }, 'claim release failed'));
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

  return {
    async setupStatus() {
      const done = await isSetUp();
      return { setup_done: done, registration_open: deps.settings.allowNewAccounts || !done, login_methods: ['password'] };
    },

    async register(
      input: { username: string; password: string; email?: string | null; displayName?: string | null },
      request: RequestInfo,
    ): Promise<Issued & { userId: string }> {
      requireStrongPassword(input.password, input.username, 'password');
      const userId = randomUUID();
      const ctx = context(request, userId);
      const passwordHash = await deps.hasher.hash(input.password);
      const setupClaim = await takeSetupClaim(userId, ctx);
      if (!setupClaim && !deps.settings.allowNewAccounts) refuse('registration_closed', 'Registration is closed');
      const email = input.email ? normalizeEmail(input.email) : null;
      let claimed: string[] = [];
      try {
        claimed = await claimAll(
          [{ kind: 'username', value: normalizeUsername(input.username) }, ...(email ? [{ kind: 'email' as const, value: email }] : [])],
          userId,
          ctx,
        );
        const sessionId = randomUUID();
        const result = await onUser(userId, () => ({
          type: 'RegisterUser',
          data: {
            userId,
            username: input.username,
            usernameClaim: claimed[0]!,
            email,
            emailClaim: claimed[1] ?? null,
            displayName: input.displayName ?? null,
            passwordHash,
            setupClaim,
            session: { sessionId, ip: request.ip, userAgent: request.userAgent },
          },
        }), ctx);
        if (setupClaim) setupDone = true;
        return { ...(await issue(userId, sessionId, result.position)), userId };
      } catch (error) {
        await releaseAll([...claimed, setupClaim], userId, ctx);
        throw error;
      }
    },

    async login(input: { username: string; password: string }, request: RequestInfo): Promise<Issued> {
      const key = input.username.includes('@') ? emailKey(input.username) : usernameKey(input.username);
      const found = await lookups().findOne({ _id: key });
      if (!found) {
        await deps.hasher.verify(input.password, null); // the same bcrypt time as for a real account
        return refuse('invalid_credentials', 'Invalid username or password');
      }
      const userId = found.userId as string;
      const sessionId = randomUUID();
      const matches = passwordCheck(input.password);
      const result = await onUser(userId, async (state) => ({
        type: 'StartSession',
        data: { sessionId, method: 'password', ip: request.ip, userAgent: request.userAgent, credentialsValid: await matches(state) },
      }), context(request, userId));
      return issue(userId, sessionId, result.position);
    },

    async logout(caller: Caller, request: RequestInfo) {
      const result = await onUser(caller.userId, () => ({ type: 'EndSession', data: { sessionId: caller.sessionId, reason: 'logout' } }), context(request, caller.userId));
      lastSeen.delete(caller.sessionId);
      await settle(result.position, ['sessions']);
      return result.position;
    },

    async me(userId: string) {
      return userObject(userId);
    },

    async updateProfile(caller: Caller, input: { displayName?: string | null; email?: string | null }, request: RequestInfo) {
      const ctx = context(request, caller.userId);
      const email = input.email === undefined ? undefined : input.email === null ? null : normalizeEmail(input.email);
      // A claim this request took but did not use is not released here: a parallel request of the
      // same account may be using it. Unused, it is free for others after the grace period.
      const [emailClaim] = email ? await deps.claims.claim('email', email, caller.userId, ctx).then((c) => [c]) : [];
      {
        const result = await onUser(caller.userId, () => ({
          type: 'UpdateProfile',
          data: {
            ...(input.displayName !== undefined ? { displayName: input.displayName } : {}),
            ...(email !== undefined ? { email: email && emailClaim ? { value: email, claim: emailClaim } : null } : {}),
          },
        }), ctx);
        const changed = result.events.find((e) => e.type === 'EmailChanged');
        if (changed?.type === 'EmailChanged') await releaseAll([changed.data.previousEmailClaim], caller.userId, ctx);
        await settle(result.position, ['me', 'lookups']);
        return { user: await userObject(caller.userId), position: result.position };
      }
    },

    async changeUsername(caller: Caller, input: { newUsername: string; password: string }, request: RequestInfo) {
      const ctx = context(request, caller.userId);
      // As for emails: a claim taken but not used is left to the grace period, never released here.
      const claim = await deps.claims.claim('username', normalizeUsername(input.newUsername), caller.userId, ctx);
      const matches = passwordCheck(input.password);
      const result = await onUser(caller.userId, async (state) => ({
        type: 'ChangeUsername',
        data: { username: input.newUsername, usernameClaim: claim, passwordValid: await matches(state) },
      }), ctx);
      const changed = result.events[0];
      if (changed?.type === 'UsernameChanged' && changed.data.previousUsernameClaim !== claim) {
        await releaseAll([changed.data.previousUsernameClaim], caller.userId, ctx);
      }
      await settle(result.position, ['me', 'lookups']);
      return { user: await userObject(caller.userId), position: result.position };
    },

    async changePassword(caller: Caller, input: { oldPassword: string; newPassword: string }, request: RequestInfo) {
      const username = (await users().findOne({ _id: caller.userId }))?.username as string | undefined;
      requireStrongPassword(input.newPassword, username ?? null, 'new_password');
      const passwordHash = await deps.hasher.hash(input.newPassword);
      const matches = passwordCheck(input.oldPassword);
      const result = await onUser(caller.userId, async (state) => ({
        type: 'ChangePassword',
        data: { passwordHash, oldPasswordValid: await matches(state), currentSessionId: caller.sessionId },
      }), context(request, caller.userId));
      for (const event of result.events) if (event.type === 'SessionEnded') lastSeen.delete(event.data.sessionId);
      await settle(result.position, ['me', 'sessions']);
      return result.position;
    },

    async setInitialPassword(caller: Caller, input: { password: string }, request: RequestInfo) {
      const username = (await users().findOne({ _id: caller.userId }))?.username as string | undefined;
      requireStrongPassword(input.password, username ?? null, 'password');
      const state = await loadUser(caller.userId);
      if (state.passwordHash !== null) refuse('conflict', 'The account already has a password');
      const passwordHash = await deps.hasher.hash(input.password);
      const result = await onUser(caller.userId, () => ({ type: 'SetInitialPassword', data: { passwordHash } }), context(request, caller.userId));
      await settle(result.position, ['me']);
      return result.position;
    },

    async listSessions(caller: Caller) {
      const docs = await sessions().find({ userId: caller.userId }, { sort: { created_at: -1 } });
      return docs.map((doc) => ({
        id: doc._id,
        method: doc.method,
        created_at: doc.created_at,
        last_seen_at: (lastSeen.get(doc._id) ?? new Date(doc.created_at as string)).toISOString(),
        ip: doc.ip ?? null,
        user_agent: doc.user_agent ?? null,
        current: doc._id === caller.sessionId,
      }));
    },

    async revokeSession(caller: Caller, sessionId: string, request: RequestInfo) {
      const result = await onUser(caller.userId, () => ({ type: 'EndSession', data: { sessionId, reason: 'revoked' } }), context(request, caller.userId));
      lastSeen.delete(sessionId);
      await settle(result.position, ['sessions']);
      return result.position;
    },

    async deleteAccount(caller: Caller, input: { password?: string }, request: RequestInfo) {
      const ctx = context(request, caller.userId);
      const matches = passwordCheck(input.password);
      const result = await onUser(caller.userId, async (state) => ({
        type: 'DeleteUser',
        data: { passwordValid: input.password === undefined ? null : await matches(state) },
      }), ctx);
      const deleted = result.events[0];
      // The events stay; destroying the key makes the personal data in them unreadable for good.
      // The erasure reactor does it too, at least once, should this process die right here.
      await erase(caller.userId).catch((err: unknown) => deps.logger.error({ err }, 'key destruction failed; the erasure reactor retries'));
      if (deleted?.type === 'UserDeleted') await releaseAll(deleted.data.releasedClaims, caller.userId, ctx);
      await settle(result.position, ['me', 'sessions', 'lookups']);
      return result.position;
    },

    async history(caller: Caller, options: { limit: number; before?: bigint }) {
      const events = await deps.eventStore.readStream(userStream(caller.userId), { direction: 'backwards' });
      const page = events.filter((e) => options.before === undefined || e.position < options.before).slice(0, options.limit);
      return Promise.all(
        page.map(async (stored) => {
          const event = await deps.codec.decode(stored);
          return { type: event.type, at: event.created.toISOString(), position: String(event.position), summary: summarize(event) };
        }),
      );
    },

    /** A bearer token works only while its session is live and its account exists. */
    async authenticate(token: string): Promise<Caller> {
      const claims = await deps.signer.verify(token);
      const session = await sessions().findOne({ _id: claims.sid });
      if (!session || session.userId !== claims.sub) throw new DomainError('token_revoked', 'This session has ended');
      const user = await users().findOne({ _id: claims.sub });
      if (!user) throw new DomainError('token_revoked', 'This account no longer exists');
      seen(claims.sid, deps.clock());
      return { userId: claims.sub, sessionId: claims.sid, isAdmin: user.is_admin === true };
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
