import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import type { emailCodeAccounts } from './email-code.js';
import { requestInfo, type Routes } from '../../http/auth.js';
import { answers } from '../../http/openapi.js';
import { tokenAnswer } from '../../http/respond.js';
import { emailOnlyBody, fields } from '../../http/validate.js';

const tag = 'Email';

const codeBody = z.strictObject({
  email: fields.email,
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'must be the 6-digit code'),
  totp_code: fields.totpCode,
  referrer_token: fields.referrerToken,
});

/** Passwordless sign-in: a 6-digit code mailed to the address. */
export function emailCodeRoutes(
  useCases: ReturnType<typeof emailCodeAccounts>,
  accounts: Accounts,
  routes: Routes,
  limit: RequestHandler,
): void {
  routes.add(
    'post',
    '/auth/send-code',
    {
      policy: 'public',
      command: true,
      captcha: true,
      tag,
      summary: 'Mail a 6-digit login code (valid 10 min)',
      body: emailOnlyBody,
      description: 'Answers 202 whether or not the address belongs to an account.',
      responses: { 202: { description: 'Accepted', schema: answers.detail } },
      errors: [429, 503],
    },
    limit,
    async ({ body }, req, res) => {
      await useCases.sendLoginCode({ email: body.email }, requestInfo(req));
      await routes.answerCommand(res, null, 202, { detail: 'If this address can sign in, a code is on its way' });
    },
  );

  routes.add(
    'post',
    '/auth/verify-code',
    {
      policy: 'public',
      command: true,
      tag,
      summary: 'Log in with a mailed code; 5 wrong codes burn it',
      body: codeBody,
      responses: {
        200: { description: 'The token answer', schema: answers.token },
        201: { description: 'The token answer, for an account made by this login', schema: answers.token },
      },
      errors: [401, 403, 410, 429],
    },
    limit,
    async ({ body }, req, res) => {
      const issued = await useCases.verifyLoginCode(
        { email: body.email, code: body.code, totpCode: body.totp_code, referrerToken: body.referrer_token },
        requestInfo(req),
      );
      await routes.answerCommand(res, issued.position, 'userId' in issued ? 201 : 200, tokenAnswer(issued));
    },
  );
}
