import type { LoginMethod } from '../types.js';
import { lnurlAccounts } from './lnurl.js';
import { lnurlRoutes } from './routes.js';

/** LNURL-auth (LUD-04): a Lightning wallet signs a k1 with its linking key for this service. */
export const lnurl: LoginMethod<ReturnType<typeof lnurlAccounts>> = {
  names: ['lnurl'],
  signedIn: (method) => (method === 'lnurl' ? 'Signed in with a Lightning wallet (LNURL-auth)' : undefined),
  identity: {
    methodPattern: 'lnurl',
    methodName: 'lnurl',
    idOf: (_method, id) => (/^0[23][0-9a-fA-F]{64}$/.test(id) ? id.toLowerCase() : null),
    linked: () => 'Lightning wallet (LNURL-auth) linked',
    unlinked: () => 'Lightning wallet (LNURL-auth) unlinked',
    taken: 'This linking key belongs to another account',
  },
  useCases: lnurlAccounts,
  routes: lnurlRoutes,
};
