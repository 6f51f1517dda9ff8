import { randomUUID } from 'node:crypto';
import { isDomainError, refuse } from '../../domain/shared/errors.js';
import { failedLogin, userDecider, type UserState } from '../../domain/user/decider.js';
import { userStream, type UserEvent } from '../../domain/user/events.js';
import type { UserCommand } from '../../domain/user/commands.js';
import { emailKey, LOOKUPS, usernameKey } from '../../projections/lookups.js';
import { USERS, verifiedEmailOf } from '../../projections/me.js';
import { SESSIONS } from '../../projections/sessions.js';
import type { Written } from '../commands/handler.js';
import type { CommandContext } from '../events/codec.js';
import type { AccountsDeps, Issued, RequestInfo } from './types.js';
import { toUserObject, type UserObject } from './user-view.js';
import type { CaptchaGate } from '../captcha/captcha.js';

/**
 * What every account module builds on: command contexts, deciding on a user's stream,
 * read-your-writes, password checks, token issuing, claims and erasure.
 */
export function createShared(deps: AccountsDeps) {
  const users = () => deps.projections.collection('me', USERS);
  const lookups = () => deps.projections.collection('lookups', LOOKUPS);
  const sessions = () => deps.projections.collection('sessions', SESSIONS);

  const commandContext = (request: RequestInfo, actor: string | null): CommandContext => ({
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
  const awaitReadModels = async (...written: Written[]) => {
    const position = written.reduce<bigint | null>(
      (last, w) => (w.position !== null && (last === null || w.position > last) ? w.position : last),
      null,
    );
    await waitForReadModels(
      position,
      deps.projections.readModelsShowing(written.flatMap((w) => w.events.map((e) => e.type))),
    );
  };

  /**
   * Before answering from a read model what another process may have just written (a code the
   * worker issued), catch up with the store's head, bounded like read-your-writes. Named by the
   * collections about to be read.
   */
  const catchUpWith = async (...collections: string[]) =>
    waitForReadModels(await deps.eventStore.headPosition(), [
      ...new Set(collections.map((c) => deps.projections.readModelOf(c))),
    ]);

  const decideForUser = (
    userId: string,
    decide: (state: UserState) => Promise<UserCommand> | UserCommand,
    ctx: CommandContext,
  ) =>
    deps.commands.handle<UserEvent, UserState>(
      userDecider,
      userStream(userId),
      async (state) => userDecider.decide(await decide(state), state),
      ctx,
    );

  const loadUser = async (userId: string) => (await deps.commands.load(userDecider, userStream(userId))).state;

  /**
   * A new password passes the policy (strength with the account's own words known, and the
   * breached-password check when on), or the request is refused 400 before anything is hashed.
   */
  const requireStrongPassword = (
    password: string,
    accountWords: readonly (string | null | undefined)[],
    path: string,
  ) => deps.passwords(password, accountWords, path);

  /**
   * The CAPTCHA gate (when CAPTCHA_PROVIDER is set): the request's token is checked with the
   * provider, unless this flow passed one at its start. Refuses 400 captcha_required / _invalid.
   */
  const requireCaptcha = async (gate: CaptchaGate, request: RequestInfo) => {
    if (!deps.captcha || request.captchaPassed) return;
    await deps.captcha.require(gate, request.captchaToken, request.ip);
  };

  /**
   * The CAPTCHA gate of a password sign-in (`POST /auth`, two-factor recovery): with a CAPTCHA on,
   * an account (or, for a name with none, that name) that failed CAPTCHA_AFTER_FAILURES times in the
   * last hour — or every sign-in, at 0 — needs one; the same whether or not the name has an account.
   * Answers what to do with the attempt's refusal: count it when it was a failure, and rethrow.
   */
  const passwordSignInGate = async (username: string, request: RequestInfo) => {
    const captcha = deps.captcha;
    if (!captcha) return (error: unknown): Promise<never> => Promise.reject(error);
    const name = username.trim().toLowerCase();
    const lookup = await lookups().findOne({ _id: name.includes('@') ? emailKey(name) : usernameKey(name) });
    const userId = (lookup?.userId as string | undefined) ?? null;
    // By account when the name has one, so its username and its address share one count.
    const key = userId ? `signin:account:${userId}` : `signin:name:${name}`;
    if (captcha.afterFailures === 0 || !(await deps.limits.signInFailures.check(key)).allowed)
      await requireCaptcha('signin', request);
    return async (error: unknown): Promise<never> => {
      if (isDomainError(error) && (error.code === 'invalid_credentials' || error.code === 'invalid_totp'))
        await deps.limits.signInFailures.consume(key);
      throw error;
    };
  };

  /**
   * A sign-in that may make an account only later (OAuth, LNURL) checks the CAPTCHA it carries at
   * its start; without one it may still sign in to an existing account, but makes none.
   */
  const captchaAtStart = async (caller: { userId: string } | null, request: RequestInfo) => {
    if (!deps.captcha || caller || !request.captchaToken) return false;
    await deps.captcha.require('registration', request.captchaToken, request.ip);
    return true;
  };

  /** The account's address when it is verified (where notices go), else null. */
  const verifiedEmail = async (userId: string) => verifiedEmailOf(await users().findOne({ _id: userId }));

  /** An existing account's own words for that check: its username, names and address. */
  const accountWords = async (state: UserState) => {
    const doc = state.userId ? await users().findOne({ _id: state.userId }) : null;
    return [
      state.username,
      state.names.firstName,
      state.names.lastName,
      doc?.email as string | null | undefined,
      doc?.display_name as string | null | undefined,
    ];
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
    if (failure.data.reason === 'passkey') refuse('invalid_credentials', 'The passkey could not be verified');
    refuse('invalid_totp', 'The two-factor code is wrong or was already used');
  };

  /** The token of a session the command `written` started, once the read models show it. */
  const issue = async (userId: string, sessionId: string, written: Written): Promise<Issued> => {
    await awaitReadModels(written);
    return { ...(await deps.signer.issue(userId, sessionId)), position: written.position };
  };

  const userObject = async (userId: string): Promise<UserObject> => {
    const doc = await users().findOne({ _id: userId });
    if (!doc) return refuse('not_found', 'No such account');
    return toUserObject(doc);
  };

  const releaseAll = async (streams: (string | null)[], owner: string, ctx: CommandContext) => {
    for (const stream of streams) {
      if (stream)
        await deps.claims
          .release(stream, owner, ctx)
          .catch((err: unknown) =>
            deps.logger.error({ err, correlationId: ctx.correlationId }, 'claim release failed'),
          );
    }
  };

  const erase = async (userId: string) => {
    await deps.keyStore.destroy(userId);
    deps.codec.forget(userId);
  };

  return {
    deps,
    users,
    lookups,
    sessions,
    commandContext,
    awaitReadModels,
    catchUpWith,
    decideForUser,
    loadUser,
    requireStrongPassword,
    accountWords,
    verifiedEmailOf: verifiedEmail,
    requireCaptcha,
    captchaAtStart,
    passwordSignInGate,
    passwordCheck,
    refuseFailedLogin,
    issue,
    userObject,
    releaseAll,
    erase,
  };
}

export type Shared = ReturnType<typeof createShared>;
