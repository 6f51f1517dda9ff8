import { DomainError } from '../../domain/shared/errors.js';
import type { Doc } from '../ports/read-store.js';
import type { AccountServices } from './services.js';
import type { Caller } from './types.js';

/** What ACL tokens and API keys share: expiry, the standing of their account, and undoing one a just-ended session made. */
export function credentialChecks(services: AccountServices) {
  const { deps } = services;
  /**
   * A credential made by a session that ended while the request was on its way (a reset or a
   * reclaim ends every session, then sweeps the credentials made before) is revoked at once: no
   * credential outlives the session that made it in that moment.
   */
  const undoIfSessionEnded = async (caller: Caller, revoke: () => Promise<unknown>) => {
    if (caller.kind !== 'session' || !caller.sessionId) return;
    if ((await services.loadUser(caller.userId)).sessions.has(caller.sessionId)) return;
    await revoke();
    throw new DomainError('token_revoked', 'This session has ended');
  };

  const expired = (doc: Doc) =>
    typeof doc.expires_at === 'string' && new Date(doc.expires_at).getTime() <= deps.clock().getTime();

  const accountOf = async (userId: string) => {
    const user = await services.users().findOne({ _id: userId });
    if (!user) throw new DomainError('token_revoked', 'This account no longer exists');
    if (user.disabled === true) throw new DomainError('account_disabled', 'This account is disabled');
    return user;
  };

  return { undoIfSessionEnded, expired, accountOf };
}
