import type { LoginMethod } from '../types.js';
import { passkeyAccounts } from './passkey.js';
import { passkeyRoutes } from './routes.js';

/** Passkeys (WebAuthn): a credential of the person's device or password manager, bound to this site. */
export const passkey: LoginMethod<ReturnType<typeof passkeyAccounts>> = {
  names: ['passkey'],
  signedIn: (method) => (method === 'passkey' ? 'Signed in with a passkey' : undefined),
  identity: {
    methodPattern: 'passkey',
    methodName: 'passkey',
    idOf: (_method, id) => (/^[A-Za-z0-9_-]{1,1400}$/.test(id) ? id : null),
    linked: () => 'Passkey linked to the account',
    unlinked: () => 'Passkey removed',
    taken: 'This passkey belongs to another account',
    removedBy: 'DELETE /auth/passkeys/{id}',
  },
  useCases: passkeyAccounts,
  routes: passkeyRoutes,
};
