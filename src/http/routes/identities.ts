import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';
import { answers } from '../openapi.js';

const identityParams = z.strictObject({
  method: z.string().regex(/^(nostr|lnurl|oauth:[a-z0-9_]{1,32})$/, 'must be nostr, lnurl or oauth:<provider>'),
  id: z.string().min(1).max(255),
});
const tag = 'Identities';

/** Linked identities: `DELETE /auth/identities/{method}/{id}`, as `identities` in the user object names them. */
export function identityRoutes(accounts: Accounts, routes: Routes): void {
  routes.add(
    'delete',
    '/auth/identities/:method/:id',
    {
      policy: 'session',
      tag,
      summary: 'Unlink a Nostr key, LNURL key or OAuth identity from the account',
      params: identityParams,
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
