import { DomainError } from '../../domain/shared/errors.js';
import type { AccessClaims } from '../tokens/jwt.js';
import type { AccountServices } from './services.js';
import { sessionOf, type Caller, type RequestInfo } from './types.js';
import { userRole } from './user-view.js';
import { deviceName, networkPrefix } from './devices.js';
import type { UsageTracker } from './usage.js';

/** Login sessions: the check every session token goes through, the list, revoking one, logging out. */
export function sessionAccounts(services: AccountServices, usage: UsageTracker) {
  const { deps, users, sessions, commandContext, awaitReadModels, decideForUser } = services;
  // When each session was last used: kept by the usage store (written at most once a minute per
  // session, so it outlives a restart), never an event per request.
  const usageKey = (sessionId: string) => `session:${sessionId}`;

  const sessionsOf = async (userId: string, currentSessionId: string | null) => {
    const docs = await sessions().find({ userId }, { sort: { created_at: -1 } });
    const used = await usage.lastUsed(docs.map((doc) => usageKey(doc._id)));
    return docs.map((doc) => {
      const lastUsed = used.get(usageKey(doc._id)) ?? (doc.created_at as string);
      return {
        id: doc._id,
        method: doc.method,
        device: deviceName(doc.user_agent as string | null),
        network: networkPrefix(doc.ip as string | null),
        created_at: doc.created_at,
        last_used_at: lastUsed,
        /** The contract's older name for `last_used_at`. */
        last_seen_at: lastUsed,
        ip: doc.ip ?? null,
        user_agent: doc.user_agent ?? null,
        current: doc._id === currentSessionId,
      };
    });
  };

  return {
    async logout(caller: Caller, request: RequestInfo) {
      const sessionId = sessionOf(caller);
      const result = await decideForUser(
        caller.userId,
        () => ({ type: 'EndSession', data: { sessionId, reason: 'logout' } }),
        commandContext(request, caller.userId),
      );
      await awaitReadModels(result);
      return result.position;
    },
    /** GET /auth/sessions: each session as a person recognises it (device, way in, network), newest first. */
    listSessions: (caller: Caller) => sessionsOf(caller.userId, caller.sessionId),
    /** GET /admin/users/{id}/sessions: the same, for an admin (none of them is the admin's own). */
    listUserSessions: async (userId: string) => {
      if (!(await users().findOne({ _id: userId }))) throw new DomainError('not_found', 'No such account');
      return sessionsOf(userId, null);
    },

    async revokeSession(caller: Caller, sessionId: string, request: RequestInfo) {
      const result = await decideForUser(
        caller.userId,
        () => ({ type: 'EndSession', data: { sessionId, reason: 'revoked' } }),
        commandContext(request, caller.userId),
      );
      await awaitReadModels(result);
      return result.position;
    },
    /** DELETE /auth/sessions?others=true: every session but this one ends. */
    async revokeOtherSessions(caller: Caller, request: RequestInfo) {
      const current = sessionOf(caller);
      const others = (await sessions().find({ userId: caller.userId }))
        .map((doc) => doc._id)
        .filter((id) => id !== current);
      const result = await decideForUser(
        caller.userId,
        (state) => ({
          type: 'EndSessions',
          data: { sessionIds: others.filter((id) => state.sessions.has(id)), reason: 'revoked' },
        }),
        commandContext(request, caller.userId),
      );
      await awaitReadModels(result);
      return { ended: result.events.length, position: result.position };
    },
    /** A session token works only while its session is live and its account exists. */
    async authenticateSession(claims: AccessClaims & { sid: string }): Promise<Caller> {
      const session = await sessions().findOne({ _id: claims.sid });
      if (!session || session.userId !== claims.sub) throw new DomainError('token_revoked', 'This session has ended');
      const user = await users().findOne({ _id: claims.sub });
      if (!user) throw new DomainError('token_revoked', 'This account no longer exists');
      if (user.disabled === true) throw new DomainError('account_disabled', 'This account is disabled');
      usage.record(usageKey(claims.sid));
      return {
        kind: 'session',
        userId: claims.sub,
        sessionId: claims.sid,
        // Signed in, or proved again since (step-up): what the REAUTH_WINDOW is counted from.
        provedAt: new Date((session.proved_at ?? session.created_at) as string),
        isAdmin: user.is_admin === true,
        role: userRole(user),
        mustResetPassword: user.must_reset_password === true,
      };
    },
  };
}
