import type { UserEvent } from './events.js';
import { identitiesUnlinked } from './identities.js';
import type { LinkedIdentity } from './state.js';

/** What a reclaim looks at: the parts of the user state set up by whoever made the account. */
export interface ReclaimableState {
  emailVerified: boolean;
  emailClaim: string | null;
  sessions: ReadonlySet<string>;
  passwordHash: string | null;
  mustResetPassword: boolean;
  totpSecret: string | null;
  identities: ReadonlyMap<string, LinkedIdentity>;
}

/**
 * Pre-account takeover (Sudhodanan & Paverd, "Pre-hijacked accounts", USENIX Security 2022):
 * anyone can set an account up with someone else's address and leave it unverified. When the
 * address's owner later proves it (an email code, a reset link), they must not land in an account
 * that its maker can still enter. So the proof first ends everything set up before it: every
 * session, two-factor, each linked key and identity. (The password and the
 * user key are replaced by the command that reclaims; API keys and ACL tokens live in streams of
 * their own and are revoked by the use case.) A verified address reclaims nothing.
 */
export function reclaimedBy(state: ReclaimableState, via: 'email_code' | 'password_reset'): UserEvent[] {
  if (state.emailVerified || state.emailClaim === null) return [];
  const identities = state.identities.size;
  // An account nobody could have used yet (an admin made it and mailed the link) only has its address verified.
  const setUpBySomeone =
    state.sessions.size > 0 ||
    (state.passwordHash !== null && !state.mustResetPassword) ||
    state.totpSecret !== null ||
    identities > 0;
  const verified: UserEvent = { type: 'EmailVerified', data: { emailClaim: state.emailClaim } };
  if (!setUpBySomeone) return [verified];
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
    ...identitiesUnlinked(state.identities, [...state.identities.values()]),
    ...[...state.sessions].map(
      (sessionId): UserEvent => ({ type: 'SessionEnded', data: { sessionId, reason: 'account_reclaimed' } }),
    ),
  ];
}
