import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';
import { answers } from '../openapi.js';
import { clearSessionCookies } from '../cookies.js';
import { proofFields, proofOf } from '../validate.js';

const noBody = z.strictObject({});
const setupStatus = z.object({
  setup_done: z.boolean(),
  registration_open: z.boolean(),
  registration: z.enum(['open', 'invite', 'closed']),
  login_methods: z.array(z.string()),
  captcha: z
    .object({
      provider: z.enum(['turnstile', 'hcaptcha', 'recaptcha']),
      site_key: z.string(),
      script_url: z.string().describe("The provider's widget script"),
      after_failures: z
        .number()
        .int()
        .describe('A password sign-in for a name with this many failures in the last hour needs one (0: always)'),
    })
    .nullable()
    .describe('The CAPTCHA registration, code and reset requests need (and sign-ins after failures); null when off'),
});
const tag = 'Registration and login';
const reauthBody = z.strictObject(proofFields);
const reauthAnswer = z.object({ detail: z.string(), proved_at: z.iso.datetime(), window_seconds: z.number().int() });

/** Set-up status and logout (the ways in are in src/login-methods/). */
export function authRoutes(accounts: Accounts, routes: Routes, limit: RequestHandler): void {
  routes.add(
    'get',
    '/auth/setup-status',
    {
      policy: 'public',
      tag,
      summary: 'Whether the first account exists, whether registration is open, and the login methods',
      responses: { 200: { description: 'The set-up status', schema: setupStatus } },
      errors: [429],
    },
    limit,
    async (_input, _req, res) => {
      res.json(await accounts.setupStatus());
    },
  );

  routes.add(
    'post',
    '/auth/logout',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'End this session: its token stops working at once',
      body: noBody,
      responses: {
        200: {
          description: 'Logged out; the session cookies are cleared',
          schema: answers.detail,
          headers: ['Set-Cookie'],
        },
      },
    },
    async (_input, req, res) => {
      const position = await accounts.logout(callerOf(req), requestInfo(req));
      // A browser session's cookies go too (harmless for a bearer client).
      clearSessionCookies(res, accounts.publicUrl());
      await routes.answerCommand(res, position, 200, { detail: 'Logged out' });
    },
  );

  routes.add(
    'post',
    '/auth/reauth',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Prove it is you again: sensitive actions are open to this session for REAUTH_WINDOW',
      body: reauthBody,
      description:
        'The password (with `totp_code` when 2FA is on), or `passkey` (an answer to options from ' +
        'POST /auth/passkeys/authentication/options); an account without a password sends its two-factor code. ' +
        'Wrong proofs count as failed sign-ins (5 lock the account).',
      responses: { 200: { description: 'Proven', schema: reauthAnswer } },
      errors: [401, 403, 410, 429],
    },
    async ({ body }, req, res) => {
      const { provedAt, position } = await accounts.proveSession(callerOf(req), proofOf(body), requestInfo(req));
      await routes.answerCommand(res, position, 200, {
        detail: 'Proven',
        proved_at: provedAt.toISOString(),
        window_seconds: Math.round(accounts.reauthWindowMs() / 1000),
      });
    },
  );
}
