/**
 * Linked keys and identities: Nostr keys, LNURL-auth linking keys, OAuth/OIDC identities, and any
 * way in added later that proves a key or an outside identity. One pair of events for them all
 * (`IdentityLinked` / `IdentityUnlinked` with the method and its id): a new login method adds no
 * case here, in the projections or in the history.
 */
import { refuse } from '../shared/errors.js';
import type { CommandData } from './commands.js';
import type { UserEvent } from './events.js';
import { identityKey, requireActive, type LinkedIdentity, type UserState } from './state.js';

/**
 * The unique-* claim that keeps an identity to one account: its kind is the method's family
 * (`oauth` for every provider), its key the rest (`github:<subject>` for `oauth:github`). These
 * are the names the claims were made under before the events became generic.
 */
export const identityClaim = (method: string, id: string): { kind: string; key: string } => {
  const [kind, ...rest] = method.split(':');
  return { kind: kind!, key: [...rest, id].join(':') };
};

/**
 * The ways into the account: a password, a verified address (email codes), the legacy user key
 * (when the service allows it), and every linked key and identity. Unlinking the last is refused.
 */
export const waysIn = (state: UserState, usrLoginAllowed: boolean): number =>
  (state.passwordHash !== null ? 1 : 0) +
  (state.emailVerified ? 1 : 0) +
  (usrLoginAllowed && state.usrHash ? 1 : 0) +
  state.identities.size;

/** Linking what is linked already records nothing. */
export const linkIdentity = (data: CommandData<'LinkIdentity'>, state: UserState): UserEvent[] => {
  requireActive(state);
  return state.identities.has(identityKey(data.method, data.id)) ? [] : [{ type: 'IdentityLinked', data }];
};

/** The events that unlink `leaving` (in order), each saying whether it is the last of its method. */
export const identitiesUnlinked = (
  linked: ReadonlyMap<string, LinkedIdentity>,
  leaving: readonly LinkedIdentity[],
): UserEvent[] => {
  const left = new Map<string, number>();
  for (const { method } of linked.values()) left.set(method, (left.get(method) ?? 0) + 1);
  return leaving.map(({ method, id, claim }): UserEvent => {
    const remaining = left.get(method)! - 1;
    left.set(method, remaining);
    return { type: 'IdentityUnlinked', data: { method, id, claim, lastOfMethod: remaining === 0 } };
  });
};

/** Unlinks a key or identity the account has, unless it is the last way in; its claim is given up. */
export const unlinkIdentity = (data: CommandData<'UnlinkIdentity'>, state: UserState): UserEvent[] => {
  requireActive(state);
  const linked = state.identities.get(identityKey(data.method, data.id));
  if (!linked) return refuse('not_found', 'This identity is not linked to the account');
  if (waysIn(state, data.usrLoginAllowed) <= 1) return refuse('conflict', 'This is the last way into the account');
  return identitiesUnlinked(state.identities, [linked]);
};
