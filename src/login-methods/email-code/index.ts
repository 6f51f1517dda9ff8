import type { LoginMethod } from '../types.js';
import { emailCodeAccounts } from './email-code.js';
import { emailCodeRoutes } from './routes.js';

/** Passwordless sign-in by a code mailed to a verified (or, for a new account, a proven) address. */
export const emailCode: LoginMethod<ReturnType<typeof emailCodeAccounts>> = {
  names: ['email_code'],
  signedIn: (method) => (method === 'email_code' ? 'Signed in with an email code' : undefined),
  useCases: emailCodeAccounts,
  routes: emailCodeRoutes,
};
