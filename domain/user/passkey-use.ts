import type { PasskeyAssertion } from './commands.js';
import type { UserEvent } from './events.js';
import { loginFailure } from './lockout.js';
import { identityKey, type StoredPasskey, type UserState } from './state.js';

/** Passkeys are linked identities of this method; their credential id is the id. */
export const PASSKEY = 'passkey';

/** A passkey of the account that can sign in: linked, and known. */
export const passkeyOf = (state: UserState, credentialId: string): StoredPasskey | null =>
  state.identities.has(identityKey(PASSKEY, credentialId)) ? (state.passkeys.get(credentialId) ?? null) : null;

/**
 * A verified assertion, checked against the account: its passkey must be the account's, and its
 * counter must have moved on. A counter that goes backwards means a cloned authenticator: it is
 * recorded (the security notice follows) and the sign-in or proof refused. `ok` records the use.
 */
export const passkeyUse = (
  state: UserState,
  assertion: PasskeyAssertion,
  now: Date,
): { ok: UserEvent[] } | { failed: UserEvent[] } => {
  const passkey = passkeyOf(state, assertion.credentialId);
  if (!passkey || !assertion.valid) return { failed: loginFailure(state, 'passkey', now) };
  const { credentialId, counter, backedUp } = assertion;
  if ((counter > 0 || passkey.counter > 0) && counter <= passkey.counter)
    return {
      failed: [
        { type: 'PasskeyCounterRegressed', data: { credentialId, counter, storedCounter: passkey.counter } },
        ...loginFailure(state, 'passkey', now),
      ],
    };
  return { ok: [{ type: 'PasskeyUsed', data: { credentialId, counter, backedUp } }] };
};
