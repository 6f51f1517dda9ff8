import { timingSafeEqual } from 'node:crypto';
import { refuse } from '../../domain/shared/errors.js';
import { userStream } from '../../domain/user/events.js';
import { normalizeEmail, normalizeUsername } from '../../domain/user/rules.js';
import { emailKey, usernameKey, usrKey as usrLookup } from '../../projections/lookups.js';
import { summarize } from './history.js';
import { userJson } from './user-view.js';
import type { UserState } from '../../domain/user/decider.js';
import { credentialSweep } from './credential-sweep.js';
import { signInPath } from './sign-in.js';
import { sessionOf, type Caller, type RequestInfo } from './types.js';
import { hashUsrKey, newUsrKey } from './usr-key.js';
import { inviteIdOf } from './registration.js';
import type { AccountServices } from './services.js';
import { secondFactorFrom } from './second-factor.js';

/** The account itself: set-up status, password registration and login, password changes, deletion and the own history. */
export function selfServiceAccounts(services: AccountServices, forgetSession: (sessionId: string) => void) {
  const {
    deps,
    users,
    lookups,
    commandContext,
    awaitReadModels,
    decideForUser,
    loadUser,
    requireStrongPassword,
    passwordCheck,
  } = services;
  // When each session was last used: in memory only, bounded, never an event per request.
  const sweep = credentialSweep(services);
  const signIn = signInPath(services);

  /**
   * A failed login for a name without an account spends the same bcrypt time, and locks the
   * same way (5 in 15 minutes), so neither the answer nor its timing tells the two apart.
   */
  const refuseUnknown = async (login: string, password: string): Promise<never> => {
    await deps.hasher.verify(password, null);
    const key = login.includes('@')
      ? deps.claims.streamOf('email', normalizeEmail(login))
      : deps.claims.streamOf('username', normalizeUsername(login));
    const decision = await deps.limits.unknownLogin.consume(key);
    if (!decision.allowed)
      refuse(
        'account_locked',
        'Too many failed logins; the account is locked for a while',
        undefined,
        decision.retryAfterSeconds,
      );
    return refuse('invalid_credentials', 'Invalid username or password');
  };

  /** The account a login name points to: an email when it has an @, else a username. */
  const findAccount = async (login: string) => {
    const key = login.includes('@') ? emailKey(login) : usernameKey(login);
    return ((await lookups().findOne({ _id: key }))?.userId as string | undefined) ?? null;
  };

  return {
    findAccount,
    refuseUnknown,

    async setupStatus() {
      const done = await services.isSetUp();
      return {
        setup_done: done,
        registration_open: deps.settings.registration === 'open' || !done,
        registration: done ? deps.settings.registration : 'open',
        login_methods: [
          'password',
          'email_code',
          'nostr',
          'lnurl',
          ...(deps.settings.allowUsrLogin ? ['usr'] : []),
          ...[...deps.oauth.keys()].map((name) => `oauth:${name}`),
        ],
      };
    },

    async register(
      input: {
        username: string;
        password: string;
        email?: string | null;
        displayName?: string | null;
        firstName?: string | null;
        lastName?: string | null;
        referrerToken?: string;
      },
      request: RequestInfo,
    ) {
      requireStrongPassword(input.password, input.username, 'password');
      const invite = input.referrerToken ? { inviteId: inviteIdOf(input.referrerToken) } : undefined;
      const passwordHash = await deps.hasher.hash(input.password);
      const made = await services.registerAccount(
        {
          username: input.username,
          passwordHash,
          email: input.email ? normalizeEmail(input.email) : null,
          displayName: input.displayName ?? null,
          ...(invite ? { invite } : {}),
          ...(input.firstName || input.lastName
            ? { names: { firstName: input.firstName ?? null, lastName: input.lastName ?? null } }
            : {}),
        },
        request,
      );
      return made;
    },

    async login(input: { username: string; password: string; totpCode?: string }, request: RequestInfo) {
      const userId = await findAccount(input.username);
      if (!userId) return refuseUnknown(input.username, input.password);
      return signIn(
        userId,
        { method: 'password', firstFactor: passwordCheck(input.password), totpCode: input.totpCode },
        request,
      );
    },

    /** POST /auth/usr: the legacy user key logs in (TOTP and lockout apply as for passwords). */
    async loginWithUsr(input: { usr: string; totpCode?: string }, request: RequestInfo) {
      if (!deps.settings.allowUsrLogin) refuse('forbidden', 'Login with a user key is turned off here');
      const hash = hashUsrKey(input.usr);
      const userId = ((await lookups().findOne({ _id: usrLookup(hash) }))?.userId as string | undefined) ?? null;
      // 256 random bits: an unknown key says nothing about any account.
      if (!userId) return refuse('invalid_credentials', 'Invalid user key');
      const firstFactor = (state: UserState) =>
        state.usrHash !== null && timingSafeEqual(Buffer.from(state.usrHash, 'hex'), Buffer.from(hash, 'hex'));
      return signIn(userId, { method: 'usr', firstFactor, totpCode: input.totpCode }, request);
    },

    /** The user object as JSON text (`GET /auth`): serialised once per version of the account. */
    async meJson(userId: string): Promise<string> {
      const doc = await users().findOne({ _id: userId });
      if (!doc) return refuse('not_found', 'No such account');
      return userJson(doc);
    },

    /**
     * PUT /auth/update-password: every other session ends. With `revokeCredentials` the person
     * also ends what was made before this proof: the user key is replaced, and every API key and
     * ACL token is revoked (after the proof, so that a stolen session cannot do it).
     */
    async changePassword(
      caller: Caller,
      input: { oldPassword: string; newPassword: string; totpCode?: string; revokeCredentials?: boolean },
      request: RequestInfo,
    ) {
      const state = await loadUser(caller.userId);
      requireStrongPassword(input.newPassword, state.username, 'new_password');
      const passwordHash = await deps.hasher.hash(input.newPassword);
      const matches = passwordCheck(input.oldPassword);
      const now = deps.clock();
      const newUsr = input.revokeCredentials ? newUsrKey() : undefined;
      const result = await decideForUser(
        caller.userId,
        async (current) => ({
          type: 'ChangePassword',
          data: {
            passwordHash,
            oldPasswordValid: await matches(current),
            currentSessionId: sessionOf(caller),
            secondFactor: await secondFactorFrom(current, input.totpCode, now),
            now,
            ...(newUsr ? { newUsr } : {}),
          },
        }),
        commandContext(request, caller.userId),
      );
      services.refuseFailedLogin(result.events);
      for (const event of result.events) if (event.type === 'SessionEnded') forgetSession(event.data.sessionId);
      await awaitReadModels(result);
      if (input.revokeCredentials) await sweep(caller.userId, 'password_changed', request);
      return result.position;
    },

    async setInitialPassword(caller: Caller, input: { password: string }, request: RequestInfo) {
      const state = await loadUser(caller.userId);
      requireStrongPassword(input.password, state.username, 'password');
      if (state.passwordHash !== null) refuse('conflict', 'The account already has a password');
      const passwordHash = await deps.hasher.hash(input.password);
      const result = await decideForUser(
        caller.userId,
        () => ({ type: 'SetInitialPassword', data: { passwordHash } }),
        commandContext(request, caller.userId),
      );
      await awaitReadModels(result);
      return result.position;
    },

    async deleteAccount(caller: Caller, input: { password?: string; totpCode?: string }, request: RequestInfo) {
      const ctx = commandContext(request, caller.userId);
      const matches = passwordCheck(input.password);
      const now = deps.clock();
      const result = await decideForUser(
        caller.userId,
        async (state) => ({
          type: 'DeleteUser',
          data: {
            passwordValid: input.password === undefined ? null : await matches(state),
            secondFactor: await secondFactorFrom(state, input.totpCode, now),
            now,
          },
        }),
        ctx,
      );
      services.refuseFailedLogin(result.events);
      const deleted = result.events[0];
      // The events stay; destroying the key makes the personal data in them unreadable for good.
      // The erasure reactor does it too, at least once, should this process die right here.
      await services
        .erase(caller.userId)
        .catch((err: unknown) =>
          deps.logger.error(
            { err, correlationId: ctx.correlationId },
            'key destruction failed; the erasure reactor retries',
          ),
        );
      if (deleted?.type === 'UserDeleted') await services.releaseAll(deleted.data.releasedClaims, caller.userId, ctx);
      await awaitReadModels(result);
      return result.position;
    },

    async history(caller: Caller, options: { limit: number; before?: bigint }) {
      const events = await deps.eventStore.readStream(userStream(caller.userId), { direction: 'backwards' });
      const page = events
        .filter((e) => options.before === undefined || e.position < options.before)
        .slice(0, options.limit);
      return Promise.all(
        page.map(async (stored) => {
          const event = await deps.codec.decode(stored);
          return {
            type: event.type,
            at: event.created.toISOString(),
            position: String(event.position),
            summary: summarize(event),
          };
        }),
      );
    },
  };
}
