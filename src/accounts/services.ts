import { historyLines } from './history.js';
import { identityAccounts } from './identities.js';
import { identityKinds } from './login-methods.js';
import { outbox } from './outbox.js';
import { registration } from './registration.js';
import { createShared } from './shared.js';
import type { AccountsDeps } from './types.js';

export type { Written } from '../commands/handler.js';

/**
 * Every service the account modules and login methods use: the shared ones, registration, the
 * outbox of mails, linked identities and the history's words (both from the login methods).
 */
export function createAccountServices(deps: AccountsDeps) {
  const shared = createShared(deps);
  return {
    ...shared,
    ...registration(shared),
    ...outbox(shared),
    ...identityAccounts(shared, identityKinds(deps.loginMethods)),
    summarize: historyLines(deps.loginMethods),
  };
}

export type AccountServices = ReturnType<typeof createAccountServices>;
