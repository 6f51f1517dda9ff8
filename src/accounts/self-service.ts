import { refuse } from '../../domain/shared/errors.js';
import { userStream } from '../../domain/user/events.js';
import { userJson } from './user-view.js';
import { credentialSweep } from './credential-sweep.js';
import { sessionOf, type Caller, type RequestInfo } from './types.js';
import { newUsrKey } from './usr-key.js';
import type { AccountServices } from './services.js';
import { secondFactorFrom } from './second-factor.js';
import type { PersonProofInput } from './person-proofs.js';

/** The account itself: set-up status, the user object, password changes, deletion and the own history. */
export function selfServiceAccounts(services: AccountServices) {
  const {
    deps,
    users,
    commandContext,
    awaitReadModels,
    decideForUser,
    loadUser,
    requireStrongPassword,
    passwordCheck,
  } = services;
  const sweep = credentialSweep(services);

  return {
    async setupStatus() {
      const done = await services.isSetUp();
      return {
        setup_done: done,
        registration_open: deps.settings.registration === 'open' || !done,
        registration: done ? deps.settings.registration : 'open',
        login_methods: deps.loginMethods.flatMap((method) => method.names),
        captcha: deps.captcha
          ? {
              provider: deps.captcha.provider,
              site_key: deps.captcha.siteKey,
              script_url: deps.captcha.scriptUrl,
              after_failures: deps.captcha.afterFailures,
            }
          : null,
      };
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
      await requireStrongPassword(input.newPassword, await services.accountWords(state), 'new_password');
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
      await awaitReadModels(result);
      if (input.revokeCredentials) await sweep(caller.userId, 'password_changed', request);
      return result.position;
    },

    async setInitialPassword(caller: Caller, input: { password: string }, request: RequestInfo) {
      const state = await loadUser(caller.userId);
      await requireStrongPassword(input.password, await services.accountWords(state), 'password');
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

    /** DELETE /auth/me: with the password (and second factor), or a passkey of the account. */
    async deleteAccount(caller: Caller, input: PersonProofInput, request: RequestInfo) {
      const ctx = commandContext(request, caller.userId);
      const proof = await services.proofOf(caller.userId, input, request);
      const result = await decideForUser(
        caller.userId,
        async (state) => ({ type: 'DeleteUser', data: await proof(state) }),
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
            summary: services.summarize(event),
            ip: (event.metadata.ip as string | null | undefined) ?? null,
            user_agent: (event.metadata.userAgent as string | null | undefined) ?? null,
          };
        }),
      );
    },
  };
}
