import type { IdentityMethod } from '../../domain/user/commands.js';
import { oauthIdentity } from '../../domain/user/decider.js';
import { refuse } from '../../domain/shared/errors.js';
import type { Caller, RequestInfo } from './types.js';
import type { AccountServices } from './services.js';

/**
 * What `DELETE /auth/identities/{method}/{id}` names: `nostr` + hex pubkey, `lnurl` + hex linking
 * key, or `oauth:<provider>` + the provider's subject. Answers the domain's method and id.
 */
export function identityOf(method: string, id: string): { method: IdentityMethod; id: string } {
  if (method === 'nostr' && /^[0-9a-fA-F]{64}$/.test(id)) return { method, id: id.toLowerCase() };
  if (method === 'lnurl' && /^0[23][0-9a-fA-F]{64}$/.test(id)) return { method, id: id.toLowerCase() };
  const oauth = /^oauth:([a-z0-9_]{1,32})$/.exec(method);
  if (oauth && id.length > 0 && id.length <= 255) return { method: 'oauth', id: oauthIdentity(oauth[1]!, id) };
  return refuse('not_found', 'No such identity on this account');
}

/** Linked identities: one way to unlink any of them, refused when it is the last way in. */
export function identityAccounts(services: AccountServices) {
  const { deps, commandContext, decideForUser, awaitReadModels } = services;
  return {
    async unlinkIdentity(caller: Caller, method: string, id: string, request: RequestInfo) {
      const identity = identityOf(method, id);
      const ctx = commandContext(request, caller.userId);
      const result = await decideForUser(
        caller.userId,
        () => ({ type: 'UnlinkIdentity', data: { ...identity, usrLoginAllowed: deps.settings.allowUsrLogin } }),
        ctx,
      );
      const unlinked = result.events[0];
      if (unlinked && 'claim' in unlinked.data)
        await services.releaseAll([unlinked.data.claim as string], caller.userId, ctx);
      await awaitReadModels(result);
      return { user: await services.userObject(caller.userId), position: result.position };
    },
  };
}
