import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';
import { tokenAnswer } from '../respond.js';
import { assertionOf, fields } from '../validate.js';
import { answers } from '../openapi.js';

const codeBody = z.strictObject({ code: z.string().trim().min(1).max(32) });
const disableBody = z
  .strictObject({ code: z.string().trim().min(1).max(32).optional(), passkey: fields.passkeyAssertion.optional() })
  .refine((body) => body.code !== undefined || body.passkey !== undefined, {
    message: 'send a TOTP or backup code, or a passkey',
    path: ['code'],
  });
const recoverBody = z.strictObject({
  username: z.string().min(1).max(254),
  password: fields.existingPassword,
  backup_code: z.string().trim().min(1).max(32),
});
const backupCodes = z.object({ backup_codes: z.array(z.string()).describe('Shown this once') });
const tag = 'Two-factor';

/** Two-factor authentication: set-up, turning off, backup codes, recovery. */
export function totpRoutes(accounts: Accounts, routes: Routes, limit: RequestHandler): void {
  routes.add(
    'get',
    '/auth/totp',
    {
      policy: 'session',
      tag,
      summary: 'Start setting up 2FA: a pending secret, valid 10 min',
      responses: {
        200: {
          description: 'The secret and its otpauth:// URI',
          schema: z.object({ secret: z.string(), uri: z.string() }),
        },
      },
      errors: [409],
    },
    async (_input, req, res) => {
      res.json(await accounts.startSetup(callerOf(req), requestInfo(req)));
    },
  );

  routes.add(
    'post',
    '/auth/totp',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Turn 2FA on with a code from the pending secret',
      body: codeBody,
      responses: { 200: { description: 'The backup codes', schema: backupCodes } },
      errors: [404, 409, 410],
    },
    async ({ body }, req, res) => {
      const { backupCodes, position } = await accounts.enable(callerOf(req), { code: body.code }, requestInfo(req));
      await routes.answerCommand(res, position, 200, { backup_codes: backupCodes });
    },
  );

  routes.add(
    'delete',
    '/auth/totp',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Turn 2FA off with a TOTP or backup code, or a passkey',
      body: disableBody,
      responses: { 200: { description: '2FA disabled', schema: answers.detail } },
      errors: [410, 429],
    },
    async ({ body }, req, res) => {
      const position = await accounts.disable(
        callerOf(req),
        { ...(body.code !== undefined ? { code: body.code } : {}), passkey: assertionOf(body.passkey) },
        requestInfo(req),
      );
      await routes.answerCommand(res, position, 200, { detail: '2FA disabled' });
    },
  );

  routes.add(
    'post',
    '/auth/totp/backup-codes',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'New backup codes; the old ones die',
      body: codeBody,
      responses: { 200: { description: 'The backup codes', schema: backupCodes } },
      errors: [429],
    },
    async ({ body }, req, res) => {
      const { backupCodes, position } = await accounts.regenerateBackupCodes(
        callerOf(req),
        { code: body.code },
        requestInfo(req),
      );
      await routes.answerCommand(res, position, 200, { backup_codes: backupCodes });
    },
  );

  routes.add(
    'post',
    '/auth/totp/recover',
    {
      policy: 'public',
      command: true,
      captcha: true,
      tag,
      summary: 'Log in with a backup code when the authenticator is lost; 2FA is turned off',
      body: recoverBody,
      responses: { 200: { description: 'The token answer', schema: answers.token } },
      errors: [401, 403, 429],
    },
    limit,
    async ({ body }, req, res) => {
      const issued = await accounts.recover(
        { username: body.username, password: body.password, backupCode: body.backup_code },
        requestInfo(req),
      );
      await routes.answerCommand(res, issued.position, 200, tokenAnswer(issued));
    },
  );
}
