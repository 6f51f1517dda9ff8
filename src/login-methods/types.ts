import type { RequestHandler } from 'express';
import type { Accounts } from '../accounts/index.js';
import type { Routes } from '../http/auth.js';

/**
 * A way in. Its folder holds what only it needs (its proof, its routes, provider code); its use
 * cases prove who the person is and hand the account to the one sign-in path
 * (`src/accounts/sign-in.ts`), or make one through `registerAccount`.
 */
export interface LoginMethod {
  /** As `GET /auth/setup-status` lists it (`oauth:<provider>` once per configured provider; none when turned off). */
  names: readonly string[];
  /** Adds its routes to the API (`/api/v1`). */
  routes(accounts: Accounts, routes: Routes, limit: RequestHandler): void;
}
