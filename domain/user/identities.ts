/**
 * Linked identities: Nostr keys, LNURL-auth linking keys, OAuth/OIDC identities.
 *
 * The events stay specific to each method (NostrKeyLinked, LnurlKeyLinked, OAuthIdentityLinked
 * and their Unlinked) rather than one generic linked/unlinked pair: each carries facts of its own
 * method (`lastKey` for a key, `provider` + `subject` and `lastOfProvider` for OAuth) that the
 * `me` projection reads, and stored events stay as they were written. A generic pair, with
 * an upcaster for the stored events, belongs to the work that makes each login method a folder.
 */
import { refuse } from '../shared/errors.js';
import type { CommandData } from './commands.js';
import type { UserEvent } from './events.js';
import { oauthIdentity, requireActive, type UserState } from './state.js';

/**
 * The ways into the account: a password, a verified address (email codes), the legacy user key
 * (when the service allows it), and every linked key and identity. Unlinking the last is refused.
 */
export const waysIn = (state: UserState, usrLoginAllowed: boolean): number =>
  (state.passwordHash !== null ? 1 : 0) +
  (state.emailVerified ? 1 : 0) +
  (usrLoginAllowed && state.usrHash ? 1 : 0) +
  state.nostr.size +
  state.lnurl.size +
  state.oauth.size;

/** Linking what is linked already records nothing. */
export const linkNostrKey = (data: CommandData<'LinkNostrKey'>, state: UserState): UserEvent[] => {
  requireActive(state);
  return state.nostr.has(data.pubkey) ? [] : [{ type: 'NostrKeyLinked', data }];
};

export const linkLnurlKey = (data: CommandData<'LinkLnurlKey'>, state: UserState): UserEvent[] => {
  requireActive(state);
  return state.lnurl.has(data.linkingKey) ? [] : [{ type: 'LnurlKeyLinked', data }];
};

export const linkOAuthIdentity = (data: CommandData<'LinkOAuthIdentity'>, state: UserState): UserEvent[] => {
  requireActive(state);
  return state.oauth.has(oauthIdentity(data.provider, data.subject)) ? [] : [{ type: 'OAuthIdentityLinked', data }];
};

/** An OAuth identity (`<provider>:<subject>`) leaves; the last of its provider says so (the method leaves `auth_methods`). */
const oauthUnlinked = (identity: string, claim: string, state: UserState): UserEvent => {
  const provider = identity.slice(0, identity.indexOf(':'));
  const lastOfProvider = [...state.oauth.keys()].filter((key) => key.startsWith(`${provider}:`)).length === 1;
  return {
    type: 'OAuthIdentityUnlinked',
    data: { provider, subject: identity.slice(provider.length + 1), claim, lastOfProvider },
  };
};

/** Unlinks a key or identity the account has, unless it is the last way in; its claim is given up. */
export const unlinkIdentity = (data: CommandData<'UnlinkIdentity'>, state: UserState): UserEvent[] => {
  requireActive(state);
  const { method, id } = data;
  const linked = method === 'nostr' ? state.nostr : method === 'lnurl' ? state.lnurl : state.oauth;
  const claim = linked.get(id);
  if (!claim) return refuse('not_found', 'This identity is not linked to the account');
  if (waysIn(state, data.usrLoginAllowed) <= 1) return refuse('conflict', 'This is the last way into the account');
  if (method === 'nostr')
    return [{ type: 'NostrKeyUnlinked', data: { pubkey: id, claim, lastKey: state.nostr.size === 1 } }];
  if (method === 'lnurl')
    return [{ type: 'LnurlKeyUnlinked', data: { linkingKey: id, claim, lastKey: state.lnurl.size === 1 } }];
  return [oauthUnlinked(id, claim, state)];
};
