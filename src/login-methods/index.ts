import { emailCodeRoutes } from './email-code/routes.js';
import { lnurlRoutes } from './lnurl/routes.js';
import { nostrRoutes } from './nostr/routes.js';
import { oauthRoutes } from './oauth/routes.js';
import { passwordRoutes } from './password/routes.js';
import type { LoginMethod } from './types.js';
import { usrKeyRoutes } from './usr-key/routes.js';

export type { LoginMethod } from './types.js';

/**
 * Every way in, built once by the composition root and handed to the HTTP app (their routes) and
 * the accounts layer (`login_methods` in setup-status). OAuth comes last: its `/auth/{provider}`
 * routes are matched after every other path.
 */
export function loginMethods(options: { allowUsrLogin: boolean; oauthProviders: readonly string[] }): LoginMethod[] {
  return [
    { names: ['password'], routes: passwordRoutes },
    { names: ['email_code'], routes: emailCodeRoutes },
    { names: ['nostr'], routes: nostrRoutes },
    { names: ['lnurl'], routes: lnurlRoutes },
    // Its routes stay (showing and replacing the key); its login answers 403 while turned off.
    { names: options.allowUsrLogin ? ['usr'] : [], routes: usrKeyRoutes },
    { names: options.oauthProviders.map((name) => `oauth:${name}`), routes: oauthRoutes },
  ];
}
