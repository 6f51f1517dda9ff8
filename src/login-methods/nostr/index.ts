import type { LoginMethod } from '../types.js';
import { nostrAccounts } from './nostr.js';
import { nostrRoutes } from './routes.js';

/** Nostr NIP-98: a signed HTTP event names the key; the key is the account's identity. */
export const nostr: LoginMethod<ReturnType<typeof nostrAccounts>> = {
  names: ['nostr'],
  signedIn: (method) => (method === 'nostr' ? 'Signed in with Nostr' : undefined),
  identity: {
    methodPattern: 'nostr',
    methodName: 'nostr',
    idOf: (_method, id) => (/^[0-9a-fA-F]{64}$/.test(id) ? id.toLowerCase() : null),
    linked: () => 'Nostr key linked',
    unlinked: () => 'Nostr key unlinked',
    taken: 'This Nostr key belongs to another account',
  },
  useCases: nostrAccounts,
  routes: nostrRoutes,
};
