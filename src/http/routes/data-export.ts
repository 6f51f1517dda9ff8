import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';
import { answers } from '../openapi.js';
import { sessionList } from './account.js';
import { acl, aclToken, apiKey } from './credentials.js';
import { deviceList } from './devices.js';

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
          description: 'The export, as an attachment',
          headers: ['Content-Disposition'],
          schema: z.object({
            exported_at: z.iso.datetime(),
            service: z.string(),
            account: answers.user,
            sessions: sessionList,
            trusted_devices: deviceList,
            acls: z.array(acl.extend({ tokens: z.array(aclToken) })),
            api_keys: z.array(apiKey),
            history: z.array(answers.historyEntry),
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
