import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { unlinkableKinds, type LinkedIdentityKind, type LoginMethodFacts } from '../../accounts/login-methods.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';
import { answers } from '../openapi.js';

/** `{method}` is one that links keys or identities, as the login methods that do name them. */
const identityParams = (kinds: readonly LinkedIdentityKind[]) => {
  const names = kinds.map((kind) => kind.methodName);
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : (names[0] ?? 'none');
  return z.strictObject({
    method: z.string().regex(new RegExp(`^(${kinds.map((kind) => kind.methodPattern).join('|')})$`), `must be ${list}`),
    id: z.string().min(1).max(255),
  });
};
const tag = 'Identities';

/** Linked identities: `DELETE /auth/identities/{method}/{id}`, as `identities` in the user object names them. */
export function identityRoutes(accounts: Accounts, routes: Routes, methods: readonly LoginMethodFacts[]): void {
  const kinds = unlinkableKinds(methods);
  routes.add(
    'delete',
    '/auth/identities/:method/:id',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Unlink a Nostr key, LNURL key or OAuth identity from the account',
      params: identityParams(kinds),
      stepUp: true,
      responses: { 200: { description: 'The user object', schema: answers.user } },
      errors: [409],
    },
    async ({ params }, req, res) => {
      const { user, position } = await accounts.unlinkIdentity(
        callerOf(req),
        params.method,
        params.id,
        requestInfo(req),
      );
      await routes.answerCommand(res, position, 200, user);
    },
  );
}
