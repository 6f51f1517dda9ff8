import { randomBytes } from 'node:crypto';
import { ACCOUNT_SETUP_TTL_MS } from '../../domain/challenge/decider.js';
import { userDecider } from '../../domain/user/decider.js';
import { userStream, type UserEvent } from '../../domain/user/events.js';
import { refuse } from '../../domain/shared/errors.js';
import { meProjection, USERS } from '../../projections/me.js';
import type { DecodedEvent } from '../events/codec.js';
import type { Doc, ReadStore } from '../ports/read-store.js';
import { replayInto } from '../projections/replay.js';
import type { Caller, RequestInfo } from './types.js';
import type { AccountServices, Written } from './services.js';
import { toAdminUserObject } from './user-view.js';

/** Never shown, not even to an admin: hashes and secrets that only the service may read. */
const SECRET_FIELDS = new Set([
  'passwordHash',
  'secret',
  'backupCodeHashes',
  'codeHash',
  'usrKey',
  'usrHash',
  'previousUsrHash',
  // A trusted device's token hash.
  'tokenHash',
]);
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const CURSOR = /^[A-Za-z0-9_-]{1,200}$/;

/** An event as an auditor reads it: who, from where, what — erased fields said to be erased, secrets withheld. */
export const auditEntry = (event: DecodedEvent) => {
  const erased = new Set(event.erased);
  const data = Object.fromEntries(
    Object.entries(event.data as Record<string, unknown>).map(([field, value]) => [
      field,
      SECRET_FIELDS.has(field) ? (value === null ? null : '[secret]') : erased.has(field) ? '[erased]' : value,
    ]),
  );
  const meta = event.metadata as Record<string, unknown>;
  const personal = (field: string) => (erased.has(`metadata.${field}`) ? '[erased]' : (meta[field] ?? null));
  return {
    type: event.type,
    at: event.created.toISOString(),
    position: String(event.position),
    data,
    metadata: {
      actor: meta.actor ?? null,
      ip: personal('ip'),
      user_agent: personal('userAgent'),
      correlation_id: meta.$correlationId ?? null,
      causation_id: meta.$causationId ?? null,
    },
  };
};

/**
 * Administration of accounts. The roles make "the last admin" a non-question: the superadmin (the
 * first account) can be neither demoted, disabled nor deleted, so no count of admins is needed.
 */
export function adminAccounts(services: AccountServices, scratchStore: () => ReadStore) {
  const { deps, users, commandContext, awaitReadModels, decideForUser, loadUser } = services;

  const adminView = async (doc: Doc, userId: string) => {
    const state = await loadUser(userId);
    const locked =
      state.lockedUntil && state.lockedUntil.getTime() > deps.clock().getTime()
        ? state.lockedUntil.toISOString()
        : null;
    return { ...toAdminUserObject(doc), locked_until: locked };
  };

  const answer = async (userId: string, written: Written) => {
    await awaitReadModels(written);
    const doc = await users().findOne({ _id: userId });
    if (!doc) return refuse('not_found', 'No such account');
    return { user: await adminView(doc, userId), position: written.position };
  };

  return {
    /** GET /admin/users: by id order, `q` a case-insensitive part of the username or address; an opaque cursor. */
    async listUsers(options: { q?: string; limit: number; cursor?: string }) {
      const filter: Record<string, unknown> = {};
      if (options.q) {
        const pattern = { $regex: escapeRegex(options.q), $options: 'i' };
        filter.$or = [{ username: pattern }, { email: pattern }];
      }
      if (options.cursor !== undefined) {
        if (!CURSOR.test(options.cursor))
          refuse('validation_failed', 'cursor is not one this service gave', [{ path: 'cursor', message: 'invalid' }]);
        filter._id = { $gt: Buffer.from(options.cursor, 'base64url').toString('utf8') };
      }
      const page = await users().find(filter, { sort: { _id: 1 }, limit: options.limit + 1 });
      const more = page.length > options.limit;
      const shown = page.slice(0, options.limit);
      return {
        users: shown.map((doc) => toAdminUserObject(doc)),
        next_cursor: more ? Buffer.from(shown[shown.length - 1]!._id, 'utf8').toString('base64url') : null,
      };
    },

    /**
     * POST /admin/users: an account made by an admin. It gets a temporary password (answered once)
     * or, with `sendMail`, a mailed link to choose one; until a password is set, its token opens
     * only GET /auth, PUT /auth/update-password and POST /auth/logout.
     */
    async createUser(
      caller: Caller,
      input: { username: string; email: string | null; role: 'user' | 'admin'; sendMail: boolean },
      request: RequestInfo,
    ) {
      if (input.role === 'admin' && caller.role !== 'superadmin')
        refuse('forbidden', 'Only the superadmin may make admins');
      if (input.sendMail && !input.email)
        refuse('validation_failed', 'send_mail needs an email address', [
          { path: 'email', message: 'required with send_mail' },
        ]);
      const temporary = input.sendMail ? null : `${randomBytes(15).toString('base64url')}-Tmp1`;
      const made = await services.createAccount(
        {
          username: input.username,
          passwordHash: temporary ? await deps.hasher.hash(temporary) : null,
          email: input.email,
          displayName: null,
          createdBy: caller.userId,
          role: input.role,
          mustResetPassword: true,
        },
        request,
        { session: false },
      );
      if (input.sendMail && input.email) {
        const state = await loadUser(made.userId);
        const secret = randomBytes(32).toString('base64url');
        const { challengeId } = await deps.challenges.issue(
          {
            purpose: 'password_reset',
            userId: made.userId,
            emailClaim: state.emailClaim,
            secret,
            ttlMs: ACCOUNT_SETUP_TTL_MS,
            maxAttempts: 1,
            epoch: state.credentialsEpoch,
          },
          commandContext(request, caller.userId),
        );
        await services.sendMail(
          input.email,
          { kind: 'account_created', token: `${challengeId}.${secret}`, username: input.username },
          `mail:${challengeId}`,
        );
      }
      await awaitReadModels(made);
      const doc = await users().findOne({ _id: made.userId });
      return { user: await adminView(doc!, made.userId), temporaryPassword: temporary, position: made.position };
    },

    /**
     * The operator's `create-admin`: an admin account with the password the operator chose, made
     * whatever the registration mode (the first account becomes the superadmin, as always).
     */
    async provisionAdmin(input: { username: string; email: string | null; password: string }, request: RequestInfo) {
      await services.requireStrongPassword(input.password, [input.username, input.email], 'password');
      const made = await services.createAccount(
        {
          username: input.username,
          passwordHash: await deps.hasher.hash(input.password),
          email: input.email,
          displayName: null,
          createdBy: 'cli',
          role: 'admin',
          mustResetPassword: false,
        },
        request,
        { session: false },
      );
      await awaitReadModels(made);
      return adminView((await users().findOne({ _id: made.userId }))!, made.userId);
    },

    /** GET /admin/users/{id}: the user object plus `disabled` and `locked_until`. */
    async getUser(userId: string) {
      const doc = await users().findOne({ _id: userId });
      if (!doc) return refuse('not_found', 'No such account');
      return adminView(doc, userId);
    },

    /** An admin disables or enables an account; disabling ends every session, and no credential of it works. */
    async setDisabled(caller: Caller, userId: string, disabled: boolean, request: RequestInfo) {
      const result = await decideForUser(
        userId,
        () =>
          disabled
            ? { type: 'DisableUser', data: { by: caller.userId, byRole: caller.role ?? 'user' } }
            : { type: 'EnableUser', data: { by: caller.userId } },
        commandContext(request, caller.userId),
      );
      return answer(userId, result);
    },

    /** POST /admin/users/{id}/grant-admin and /revoke-admin: the superadmin's alone. */
    async setAdmin(caller: Caller, userId: string, admin: boolean, request: RequestInfo) {
      const result = await decideForUser(
        userId,
        () =>
          admin
            ? { type: 'GrantAdmin', data: { by: caller.userId, byRole: caller.role ?? 'user' } }
            : { type: 'RevokeAdmin', data: { by: caller.userId, byRole: caller.role ?? 'user' } },
        commandContext(request, caller.userId),
      );
      return answer(userId, result);
    },

    /**
     * GET /admin/users/{id}/history?as_of=: the account's stream up to that instant, and the user
     * object as it stood then (the `me` projection folded over exactly those events).
     */
    async userHistory(userId: string, asOf: Date | undefined) {
      const stored = await deps.eventStore.readStream(userStream(userId));
      if (stored.length === 0) return refuse('not_found', 'No such account');
      const until = asOf ?? deps.clock();
      const shown = asOf ? stored.filter((e) => e.created.getTime() <= asOf.getTime()) : stored;
      const events = await Promise.all(shown.map((e) => deps.codec.decode(e)));
      const scratch = scratchStore();
      await replayInto(scratch, meProjection, events);
      const doc = await scratch.collection(USERS).findOne({ _id: userId });
      const state = events.reduce(
        (s, e) => userDecider.evolve(s, e as unknown as UserEvent),
        userDecider.initialState(),
      );
      const locked =
        state.lockedUntil && state.lockedUntil.getTime() > until.getTime() ? state.lockedUntil.toISOString() : null;
      return {
        as_of: until.toISOString(),
        events: events.map(auditEntry),
        state: doc ? { ...toAdminUserObject(doc), locked_until: locked } : null,
      };
    },
  };
}
