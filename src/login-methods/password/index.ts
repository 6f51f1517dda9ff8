import type { LoginMethod } from '../types.js';
import { passwordAccounts } from './password.js';
import { passwordRoutes } from './routes.js';

/** The password: registration with one, and login by username or email. */
export const password: LoginMethod<ReturnType<typeof passwordAccounts>> = {
  names: ['password'],
  signedIn: (method) => (method === 'password' ? 'Signed in with password' : undefined),
  useCases: passwordAccounts,
  routes: passwordRoutes,
};
