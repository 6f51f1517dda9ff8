import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import type { usrKeyAccounts } from './usr-key.js';
import { callerOf, requestInfo, type Routes } from '../../http/auth.js';
import { answers } from '../../http/openapi.js';
import { tokenAnswer } from '../../http/respond.js';
import { fields } from '../../http/validate.js';

const tag = 'Registration and login';

const usrBody = z.strictObject({ usr: z.string().min(1).max(256), totp_code: fields.totpCode });
const rotateUsrBody = z.strictObject({});
const usrKey = z.object({ usr: z.string() });

/** The legacy user key: its login, and showing or replacing it. */
export function usrKeyRoutes(
  useCases: ReturnType<typeof usrKeyAccounts>,
  accounts: Accounts,
  routes: Routes,
  limit: RequestHandler,
): void {
  routes.add(
    'post',
    '/auth/usr',
    {
      policy: 'public',
      command: true,
      tag,
      summary: "Log in with the account's secret user key (legacy)",
      body: usrBody,
      description:
        'An admin or superadmin cannot sign in with the user key alone (one secret, no second factor): 403 ' +
        '`usr_login_not_allowed_for_admin`, said only to the holder of the right key.',
      responses: { 200: { description: 'The token answer', schema: answers.token } },
      errors: [401, 403, 429],
    },
    limit,
    async ({ body }, req, res) => {
      const issued = await useCases.loginWithUsr({ usr: body.usr, totpCode: body.totp_code }, requestInfo(req));
      await routes.answerCommand(res, issued.position, 200, tokenAnswer(issued));
    },
  );

  routes.add(
    'get',
    '/auth/usr-key',
    {
      policy: 'session',
      tag,
      summary: "Show the account's secret user key",
      description: 'Only to a session proven within `REAUTH_WINDOW` (sign in again, or POST /auth/reauth first).',
      responses: { 200: { description: 'The user key', schema: usrKey } },
      stepUp: true,
    },
    async (_input, req, res) => {
      res.json(await useCases.showUsrKey(callerOf(req)));
    },
  );

  routes.add(
    'post',
    '/auth/usr-key',
    {
      policy: 'session',
      command: true,
      tag,
      summary: "Replace the account's secret user key",
      body: rotateUsrBody,
      responses: { 200: { description: 'The new user key', schema: usrKey } },
      errors: [401, 429],
      stepUp: true,
    },
    async (_input, req, res) => {
      const { usr, position } = await useCases.rotateUsrKey(callerOf(req), requestInfo(req));
      await routes.answerCommand(res, position, 200, { usr });
    },
  );
}
