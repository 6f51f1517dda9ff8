import { outbox } from './outbox.js';
import { registration } from './registration.js';
import { createShared } from './shared.js';
import type { AccountsDeps } from './types.js';

export type { Written } from '../commands/handler.js';

/** Every service the account modules use: the shared ones, registration, and the outbox of mails. */
export function createAccountServices(deps: AccountsDeps) {
  const shared = createShared(deps);
  return { ...shared, ...registration(shared), ...outbox(shared) };
}

export type AccountServices = ReturnType<typeof createAccountServices>;
