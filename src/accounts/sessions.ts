import { BoundedCache } from '../bounded-cache.js';
import { DomainError } from '../../domain/shared/errors.js';
import type { AccessClaims } from '../tokens/jwt.js';
import type { AccountServices } from './services.js';
import { sessionOf, type Caller, type RequestInfo } from './types.js';
import { userRole } from './user-view.js';

/** Login sessions: the check every session token goes through, the list, revoking one, logging out. */
export function sessionAccounts(services: AccountServices) {
  const { deps, users, sessions, commandContext, awaitReadModels, decideForUser } = services;
  // When each session was last used: in memory only, bounded, never an event per request.
  const lastSeen = new BoundedCache<string, Date>(100_000);

  return {
    /** Forgets when an ended session was last seen (tidiness: an ended session is refused anyway). */
    forgetSession: (sessionId: string) => lastSeen.delete(sessionId),

    async logout(caller: Caller, request: RequestInfo) {
      const sessionId = sessionOf(caller);
      const result = await decideForUser(
        caller.userId,
        () => ({ type: 'EndSession', data: { sessionId, reason: 'logout' } }),
        commandContext(request, caller.userId),
      );
      lastSeen.delete(sessionId);
      await awaitReadModels(result);
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
      const result = await decideForUser(
        caller.userId,
        () => ({ type: 'EndSession', data: { sessionId, reason: 'revoked' } }),
        commandContext(request, caller.userId),
      );
      lastSeen.delete(sessionId);
      await awaitReadModels(result);
      return result.position;
    },
    /** A session token works only while its session is live and its account exists. */
    async authenticateSession(claims: AccessClaims & { sid: string }): Promise<Caller> {
      const session = await sessions().findOne({ _id: claims.sid });
      if (!session || session.userId !== claims.sub) throw new DomainError('token_revoked', 'This session has ended');
      const user = await users().findOne({ _id: claims.sub });
      if (!user) throw new DomainError('token_revoked', 'This account no longer exists');
      if (user.disabled === true) throw new DomainError('account_disabled', 'This account is disabled');
      lastSeen.set(claims.sid, deps.clock());
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
