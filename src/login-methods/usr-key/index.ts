import type { LoginMethod } from '../types.js';
import { usrKeyRoutes } from './routes.js';
import { usrKeyAccounts } from './usr-key.js';

/**
 * The legacy user key. Its routes stay while its login is turned off (showing and replacing the
 * key); the login then answers 403 and setup-status does not list it.
 */
export const usrKey = (allowed: boolean): LoginMethod<ReturnType<typeof usrKeyAccounts>> => ({
  names: allowed ? ['usr'] : [],
  signedIn: (method) => (method === 'usr' ? 'Signed in with the user key' : undefined),
  useCases: usrKeyAccounts,
  routes: usrKeyRoutes,
});
