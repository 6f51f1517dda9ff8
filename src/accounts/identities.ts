import { DomainError, isDomainError, refuse } from '../../domain/shared/errors.js';
import { identityClaim, identityKey, type UserState } from '../../domain/user/decider.js';
import { identityLookupKey, LOOKUPS } from '../../projections/lookups.js';
import type { CommandContext } from '../events/codec.js';
import { identityKindOf, type LinkedIdentityKind } from './login-methods.js';
import type { Shared } from './shared.js';
import type { Caller, RequestInfo } from './types.js';

/**
 * Linked keys and identities, for every login method that proves one (Nostr, LNURL-auth, OAuth):
 * find the account of one, claim it, link it, check it, unlink it. What differs per method (its
 * ids, its words) comes from the method's `identity` in the list of login methods.
 */
export function identityAccounts(
  services: Shared,
  kinds: readonly LinkedIdentityKind[],
  unlinkable: readonly LinkedIdentityKind[] = kinds,
) {
  const { deps, commandContext, decideForUser, awaitReadModels } = services;
  const kindOf = (method: string) => identityKindOf(kinds, method);

  /** Claims the identity for `owner`; another account's answers 409 `identity_taken` in the method's words. */
  const claimIdentity = async (method: string, id: string, owner: string, ctx: CommandContext) => {
    const { kind, key } = identityClaim(method, id);
    try {
      return await deps.claims.claim(kind, key, owner, ctx);
    } catch (error) {
      const taken = kindOf(method)?.taken;
      if (taken && isDomainError(error) && error.code === 'identity_taken')
        throw new DomainError('identity_taken', taken);
      throw error;
    }
  };

  return {
    claimIdentity,

    /** The account the identity is linked to, as the `lookups` read model has it now. */
    async accountWithIdentity(method: string, id: string, options: { caughtUp?: boolean } = {}) {
      if (options.caughtUp) await services.catchUpWith(LOOKUPS);
      return (
        ((await services.lookups().findOne({ _id: identityLookupKey(method, id) }))?.userId as string | undefined) ??
        null
      );
    },

    /** Whether the account (as its stream has it) holds the identity: the first factor of a sign-in with it. */
    holdsIdentity: (method: string, id: string) => (state: UserState) => state.identities.has(identityKey(method, id)),

    /** Claims the identity and links it to the account; the claim is given back when the account refuses it. */
    async linkIdentity(userId: string, method: string, id: string, ctx: CommandContext) {
      const claim = await claimIdentity(method, id, userId, ctx);
      try {
        return await decideForUser(userId, () => ({ type: 'LinkIdentity', data: { method, id, claim } }), ctx);
      } catch (error) {
        await services.releaseAll([claim], userId, ctx);
        throw error;
      }
    },

    /** `DELETE /auth/identities/{method}/{id}`: refused when it is the last way in; its claim is given up. */
    async unlinkIdentity(caller: Caller, method: string, id: string, request: RequestInfo) {
      const linked = identityKindOf(unlinkable, method)?.idOf(method, id) ?? null;
      if (linked === null) return refuse('not_found', 'No such identity on this account');
      const ctx = commandContext(request, caller.userId);
      const result = await decideForUser(
        caller.userId,
        () => ({ type: 'UnlinkIdentity', data: { method, id: linked, usrLoginAllowed: deps.settings.allowUsrLogin } }),
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

export type IdentityServices = ReturnType<typeof identityAccounts>;
