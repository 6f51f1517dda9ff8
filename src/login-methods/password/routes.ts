import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import type { passwordAccounts } from './password.js';
import { requestInfo, type Routes } from '../../http/auth.js';
import { cookieNames, cookiesOf } from '../../http/cookies.js';
import { answers } from '../../http/openapi.js';
import { tokenAnswer } from '../../http/respond.js';
import { assertionOf, fields } from '../../http/validate.js';

const tag = 'Registration and login';

const registerBody = z.strictObject({
  username: fields.username,
  password: fields.password,
  email: fields.email.nullish(),
  display_name: fields.displayName.nullish(),
  first_name: fields.displayName.nullish(),
  last_name: fields.displayName.nullish(),
  referrer_token: fields.referrerToken,
});

const loginBody = z.strictObject({
  username: z.string().min(1).max(254),
  password: fields.existingPassword,
  totp_code: fields.totpCode,
  passkey: fields.passkeyAssertion.optional(),
  remember_device: z
    .boolean()
    .optional()
    .describe('With 2FA on: remember this device for TRUSTED_DEVICE_TTL; the answer gives its device_token'),
  device_token: z
    .string()
    .max(128)
    .optional()
    .describe("A trusted device's token (or its cookie): the second factor is skipped"),
});

/** Registration with a password, and password login. */
export function passwordRoutes(
  useCases: ReturnType<typeof passwordAccounts>,
  accounts: Accounts,
  routes: Routes,
  limit: RequestHandler,
): void {
  routes.add(
    'post',
    '/auth/register',
    {
      policy: 'public',
      command: true,
      captcha: true,
      tag,
      summary: 'Register an account (the very first one becomes the superadmin)',
      body: registerBody,
      responses: {
        201: { description: 'The token answer; `usr` is the legacy user key, shown this once', schema: answers.token },
      },
      errors: [403, 409, 429],
    },
    limit,
    async ({ body }, req, res) => {
      const issued = await useCases.register(
        {
          username: body.username,
          password: body.password,
          email: body.email ?? null,
          displayName: body.display_name ?? null,
          firstName: body.first_name ?? null,
          lastName: body.last_name ?? null,
          referrerToken: body.referrer_token,
        },
        requestInfo(req),
      );
      await routes.answerCommand(res, issued.position, 201, tokenAnswer(issued));
    },
  );

  routes.add(
    'post',
    '/auth',
    {
      policy: 'public',
      command: true,
      captcha: true,
      tag,
      summary: 'Log in with a username (or email) and password',
      body: loginBody,
      description:
        '401 `totp_required` when 2FA is on and no second factor came (`second_factors` names those the account has: ' +
        '`totp`, and `passkey` when it has one); the second factor is `totp_code` or `passkey` (an assertion for ' +
        'options from POST /auth/passkeys/authentication/options). 429 `account_locked` after 5 consecutive failures. ' +
        '403 `password_reset_required` (to someone who gave the right password) after "this wasn\'t me", until the password is reset by mail.',
      responses: { 200: { description: 'The token answer', schema: answers.token } },
      errors: [401, 403, 429],
    },
    limit,
    async ({ body }, req, res) => {
      const issued = await useCases.login(
        {
          username: body.username,
          password: body.password,
          totpCode: body.totp_code,
          ...(body.passkey ? { passkey: assertionOf(body.passkey)! } : {}),
          deviceToken: body.device_token ?? cookiesOf(req)[cookieNames(accounts.publicUrl()).device],
          rememberDevice: body.remember_device === true,
        },
        requestInfo(req),
      );
      await routes.answerCommand(res, issued.position, 200, tokenAnswer(issued));
    },
  );
}
