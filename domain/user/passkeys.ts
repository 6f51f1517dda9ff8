/**
 * Passkeys (WebAuthn credentials). A passkey is a linked identity of method `passkey` (its
 * credential id, claimed so that it belongs to one account) and the facts only a passkey has:
 * its public key, signature counter, name, transports, and the account's WebAuthn user handle.
 * The ceremonies (options, attestation and assertion checks) run before the command, as bcrypt
 * does; the decision sees a verified assertion as a fact and compares its counter with the
 * account's (`passkey-use.ts`), so two racing uses cannot both pass one counter.
 */
import { refuse } from '../shared/errors.js';
import type { CommandData, NewPasskey } from './commands.js';
import type { UserEvent } from './events.js';
import { identitiesUnlinked, waysIn } from './identities.js';
import { PASSKEY, passkeyOf } from './passkey-use.js';
import { provePerson } from './security.js';
import { identityKey, requireActive, type UserState } from './state.js';

/** The events a new passkey is recorded with. */
export const passkeyAdded = ({ claim, ...passkey }: NewPasskey): UserEvent[] => [
  { type: 'IdentityLinked', data: { method: PASSKEY, id: passkey.credentialId, claim } },
  { type: 'PasskeyAdded', data: passkey },
];

/** Adding what the account has already records nothing; every passkey of an account shares its user handle. */
/**
 * A new passkey stands in for the password and the second factor afterwards, so adding one needs
 * that proof (`provePerson`: the password and second factor, or a passkey the account has); an
 * account with neither a password nor a passkey shows its recent session (the step-up rule).
 */
export const addPasskey = (data: CommandData<'AddPasskey'>, state: UserState): UserEvent[] => {
  requireActive(state);
  if (passkeyOf(state, data.passkey.credentialId)) return [];
  if (state.passkeyUserHandle !== null && data.passkey.userHandle !== state.passkeyUserHandle)
    return refuse('conflict', 'This passkey was made for another account');
  const proof = provePerson(state, data.reauth);
  if ('failed' in proof) return proof.failed;
  return [...proof.ok, ...passkeyAdded(data.passkey)];
};

export const renamePasskey = (data: CommandData<'RenamePasskey'>, state: UserState): UserEvent[] => {
  requireActive(state);
  const passkey = passkeyOf(state, data.credentialId);
  if (!passkey) return refuse('not_found', 'No such passkey on this account');
  return passkey.name === data.name
    ? []
    : [{ type: 'PasskeyRenamed', data: { credentialId: data.credentialId, name: data.name } }];
};

/**
 * Removing a passkey needs the proof a sensitive change needs (the password and second factor,
 * or a passkey), and is refused when it is the last way in. Its claim is given up.
 */
export const removePasskey = (data: CommandData<'RemovePasskey'>, state: UserState): UserEvent[] => {
  requireActive(state);
  if (!passkeyOf(state, data.credentialId)) return refuse('not_found', 'No such passkey on this account');
  const proof = provePerson(state, data.reauth);
  if ('failed' in proof) return proof.failed;
  if (waysIn(state, data.usrLoginAllowed) <= 1) return refuse('conflict', 'This is the last way into the account');
  const linked = state.identities.get(identityKey(PASSKEY, data.credentialId))!;
  return [...proof.ok, ...identitiesUnlinked(state.identities, [linked])];
};
