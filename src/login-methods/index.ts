import type { RequestHandler } from 'express';
import type { Accounts } from '../accounts/index.js';
import type { AccountServices } from '../accounts/services.js';
import type { Routes } from '../http/auth.js';
import { emailCode } from './email-code/index.js';
import { lnurl } from './lnurl/index.js';
import { nostr } from './nostr/index.js';
import { oauth } from './oauth/index.js';
import { passkey } from './passkey/index.js';
import { password } from './password/index.js';
import type { LoginMethod } from './types.js';
import { usrKey } from './usr-key/index.js';

export type { LinkedIdentityKind, LoginMethod, LoginMethodFacts } from './types.js';

/**
 * Every way in, built once by the composition root: the accounts layer reads their facts
 * (setup-status, unlinking, history), the HTTP app adds their routes. OAuth comes last: its
 * `/auth/{provider}` routes are matched after every other path. A new way in is a folder with an
 * `index.ts` like these, and one entry here.
 */
export const loginMethods = (options: { allowUsrLogin: boolean; oauthProviders: readonly string[] }) =>
  [password, emailCode, nostr, lnurl, passkey, usrKey(options.allowUsrLogin), oauth(options.oauthProviders)] as const;

export type LoginMethods = ReturnType<typeof loginMethods>;

type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
/** The use cases of every login method, as one object. */
export type LoginUseCases = Intersection<ReturnType<LoginMethods[number]['useCases']>>;

/**
 * Builds each method's use cases once: all of them as one object (for the workers and the sign-in
 * page; two methods may not name a use case alike), and a function that adds every method's routes.
 */
export function startLoginMethods(methods: LoginMethods, services: AccountServices) {
  const started = (methods as readonly LoginMethod[]).map((method) => ({
    method,
    useCases: method.useCases(services),
  }));
  const useCases: Record<string, unknown> = {};
  for (const { useCases: own } of started)
    for (const [name, useCase] of Object.entries(own)) {
      if (name in useCases) throw new Error(`Two login methods have a use case named ${name}`);
      useCases[name] = useCase;
    }
  return {
    useCases: useCases as LoginUseCases,
    addRoutes(accounts: Accounts, routes: Routes, limit: RequestHandler) {
      for (const { method, useCases: own } of started) method.routes(own, accounts, routes, limit);
    },
  };
}

export type StartedLoginMethods = ReturnType<typeof startLoginMethods>;
