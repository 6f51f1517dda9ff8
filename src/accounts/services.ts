import { historyLines } from './history.js';
import { identityAccounts } from './identities.js';
import { identityKinds, unlinkableKinds } from './login-methods.js';
import { outbox } from './outbox.js';
import { passkeyCeremonies } from './passkey-ceremonies.js';
import { personProofs } from './person-proofs.js';
import { registration } from './registration.js';
import { createShared } from './shared.js';
import type { AccountsDeps } from './types.js';

export type { Written } from '../commands/handler.js';

/**
 * Every service the account modules and login methods use: the shared ones, registration, the
 * outbox of mails, linked identities and the history's words (both from the login methods), the
 * passkey ceremonies and the proofs a sensitive change asks for.
 */
export function createAccountServices(deps: AccountsDeps) {
  const shared = createShared(deps);
  const identities = {
    ...shared,
    ...identityAccounts(shared, identityKinds(deps.loginMethods), unlinkableKinds(deps.loginMethods)),
  };
  const ceremonies = passkeyCeremonies(identities);
  return {
    ...identities,
    ...registration(shared),
    ...outbox(shared),
    ...ceremonies,
    ...personProofs({ ...shared, ...ceremonies }),
    summarize: historyLines(deps.loginMethods),
  };
}

export type AccountServices = ReturnType<typeof createAccountServices>;
