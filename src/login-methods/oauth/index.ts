import type { LoginMethod } from '../types.js';
import { oauthAccounts } from './oauth.js';
import { oauthRoutes } from './routes.js';

const OAUTH = /^oauth:(.+)$/;

/** OAuth 2 / OIDC providers (`oauth:<provider>` each): the provider's stable subject is the identity. */
export const oauth = (providers: readonly string[]): LoginMethod<ReturnType<typeof oauthAccounts>> => ({
  names: providers.map((name) => `oauth:${name}`),
  signedIn: (method) => {
    const provider = OAUTH.exec(method)?.[1];
    return provider ? `Signed in with ${provider} (OAuth)` : undefined;
  },
  identity: {
    methodPattern: 'oauth:[a-z0-9_]{1,32}',
    methodName: 'oauth:<provider>',
    idOf: (_method, id) => (id.length > 0 && id.length <= 255 ? id : null),
    linked: (method) => `${method.slice('oauth:'.length)} account linked (OAuth)`,
    unlinked: (method) => `${method.slice('oauth:'.length)} account unlinked (OAuth)`,
    taken: 'This identity belongs to another account',
  },
  useCases: oauthAccounts,
  routes: oauthRoutes,
});
