import type { UserEvent } from './events.js';

/** What a reclaim looks at: the parts of the user state set up by whoever made the account. */
export interface ReclaimableState {
  emailVerified: boolean;
  emailClaim: string | null;
  sessions: ReadonlySet<string>;
  passwordHash: string | null;
  mustResetPassword: boolean;
  totpSecret: string | null;
  nostr: ReadonlyMap<string, string>;
  lnurl: ReadonlyMap<string, string>;
  oauth: ReadonlyMap<string, string>;
}

/**
 * Pre-account takeover (Sudhodanan & Paverd, "Pre-hijacked accounts", USENIX Security 2022):
 * anyone can set an account up with someone else's address and leave it unverified. When the
 * address's owner later proves it (an email code, a reset link), they must not land in an account
 * that its maker can still enter. So the proof first ends everything set up before it: every
 * session, two-factor, each linked Nostr key, wallet and OAuth identity. (The password and the
 * user key are replaced by the command that reclaims; API keys and ACL tokens live in streams of
 * their own and are revoked by the use case.) A verified address reclaims nothing.
 */
export function reclaimedBy(state: ReclaimableState, via: 'email_code' | 'password_reset'): UserEvent[] {
  if (state.emailVerified || state.emailClaim === null) return [];
  const identities = state.nostr.size + state.lnurl.size + state.oauth.size;
  // An account nobody could have used yet (an admin made it and mailed the link) only has its address verified.
  const setUpBySomeone =
    state.sessions.size > 0 ||
    (state.passwordHash !== null && !state.mustResetPassword) ||
    state.totpSecret !== null ||
    identities > 0;
  const verified: UserEvent = { type: 'EmailVerified', data: { emailClaim: state.emailClaim } };
  if (!setUpBySomeone) return [verified];
  const nostr = [...state.nostr];
  const lnurl = [...state.lnurl];
  const oauth = [...state.oauth];
  const providerOf = (identity: string) => identity.slice(0, identity.indexOf(':'));
  // Identities left per provider, so that the last one of each says so (its method leaves `auth_methods`).
  const providers = new Map<string, number>();
  for (const [identity] of oauth) providers.set(providerOf(identity), (providers.get(providerOf(identity)) ?? 0) + 1);
  return [
    {
      type: 'AccountReclaimed',
      data: {
        via,
        endedSessions: state.sessions.size,
        hadPassword: state.passwordHash !== null,
        hadTotp: state.totpSecret !== null,
        unlinkedIdentities: identities,
      },
    },
    verified,
    ...(state.totpSecret !== null ? [{ type: 'TotpDisabled', data: { reason: 'reclaimed' } } as UserEvent] : []),
    ...nostr.map(
      ([pubkey, claim], i): UserEvent => ({
        type: 'NostrKeyUnlinked',
        data: { pubkey, claim, lastKey: i === nostr.length - 1 },
      }),
    ),
    ...lnurl.map(
      ([linkingKey, claim], i): UserEvent => ({
        type: 'LnurlKeyUnlinked',
        data: { linkingKey, claim, lastKey: i === lnurl.length - 1 },
      }),
    ),
    ...oauth.map(([identity, claim]): UserEvent => {
      const provider = providerOf(identity);
      const left = providers.get(provider)! - 1;
      providers.set(provider, left);
      return {
        type: 'OAuthIdentityUnlinked',
        data: { provider, subject: identity.slice(provider.length + 1), claim, lastOfProvider: left === 0 },
      };
    }),
    ...[...state.sessions].map(
      (sessionId): UserEvent => ({ type: 'SessionEnded', data: { sessionId, reason: 'account_reclaimed' } }),
    ),
  ];
}
