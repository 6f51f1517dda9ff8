import type { RequestHandler } from 'express';
import type { Accounts } from '../accounts/index.js';
import type { LoginMethodFacts } from '../accounts/login-methods.js';
import type { AccountServices } from '../accounts/services.js';
import type { Routes } from '../http/auth.js';

export type { LinkedIdentityKind, LoginMethodFacts } from '../accounts/login-methods.js';

/**
 * A way in. Its folder holds what only it needs (its proof, its use cases, its routes, provider
 * code); its use cases prove who the person is and hand the account to the one sign-in path
 * (`src/accounts/sign-in.ts`), or make one through `registerAccount`. What the rest of the
 * service says of it (setup-status, unlinking, the history) comes from its facts.
 */
export interface LoginMethod<UseCases extends object = object> extends LoginMethodFacts {
  /** Its use cases, built once from the account services. */
  useCases(services: AccountServices): UseCases;
  /** Adds its routes to the API (`/api/v1`), calling its own use cases and the accounts layer. */
  routes(useCases: UseCases, accounts: Accounts, routes: Routes, limit: RequestHandler): void;
}
