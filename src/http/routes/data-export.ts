import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';
import { answers } from '../openapi.js';

const tag = 'Account';

/** A person's own data, as a download (GDPR articles 15 and 20). */
export function dataExportRoutes(accounts: Accounts, routes: Routes): void {
  routes.add(
    'get',
    '/auth/me/export',
    {
      policy: 'session',
      stepUp: true,
      tag,
      summary: "Download a copy of the account's data (GDPR articles 15 and 20)",
      description:
        'A JSON attachment: the user object, sessions, trusted devices, ACLs with their tokens, API keys (ids, names ' +
        'and times: never a secret or a hash) and the whole history with its metadata, as the admin history shows it. ' +
        'Needs a session proven within REAUTH_WINDOW; five an hour (429); the export is recorded in the history.',
      responses: {
        200: {
          description: 'The export (`Content-Disposition: attachment`)',
          schema: z.object({
            exported_at: z.iso.datetime(),
            service: z.string(),
            account: answers.user,
            sessions: z.array(z.record(z.string(), z.unknown())),
            trusted_devices: z.array(z.record(z.string(), z.unknown())),
            acls: z.array(z.record(z.string(), z.unknown())),
            api_keys: z.array(z.record(z.string(), z.unknown())),
            history: z.array(z.record(z.string(), z.unknown())),
          }),
        },
      },
      errors: [429],
    },
    async (_input, req, res) => {
      const data = await accounts.exportData(callerOf(req), requestInfo(req));
      res.setHeader('Content-Disposition', `attachment; filename="account-${data.exported_at.slice(0, 10)}.json"`);
      res.setHeader('Cache-Control', 'no-store');
      res.json(data);
    },
  );
}
