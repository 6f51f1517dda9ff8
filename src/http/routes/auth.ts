import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';
import { tokenAnswer } from '../respond.js';
import { fields } from '../validate.js';
import { answers } from '../openapi.js';
import { clearSessionCookies } from '../cookies.js';

const registerBody = z.strictObject({
  username: fields.username,
  password: fields.password,
  email: fields.email.nullish(),
  display_name: fields.displayName.nullish(),
  first_name: fields.displayName.nullish(),
  last_name: fields.displayName.nullish(),
  referrer_token: fields.referrerToken,
});

const usrBody = z.strictObject({ usr: z.string().min(1).max(256), totp_code: fields.totpCode });

const loginBody = z.strictObject({
  username: z.string().min(1).max(254),
  password: fields.existingPassword,
  totp_code: fields.totpCode,
});

const noBody = z.strictObject({});
const rotateUsrBody = z.strictObject({ password: fields.existingPassword.optional(), totp_code: fields.totpCode });
const setupStatus = z.object({
  setup_done: z.boolean(),
  registration_open: z.boolean(),
  registration: z.enum(['open', 'invite', 'closed']),
  login_methods: z.array(z.string()),
});
const usrKey = z.object({ usr: z.string() });
const tag = 'Registration and login';

/** Set-up, registration, password login and logout. */
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
    '/auth/register',
    {
      policy: 'public',
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
      const issued = await accounts.register(
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
      tag,
      summary: 'Log in with a username (or email) and password',
      body: loginBody,
      description:
        '401 `totp_required` when 2FA is on and no code came; 429 `account_locked` after 5 consecutive failures.',
      responses: { 200: { description: 'The token answer', schema: answers.token } },
      errors: [401, 403, 429],
    },
    limit,
    async ({ body }, req, res) => {
      const issued = await accounts.login(
        { username: body.username, password: body.password, totpCode: body.totp_code },
        requestInfo(req),
      );
      await routes.answerCommand(res, issued.position, 200, tokenAnswer(issued));
    },
  );

  routes.add(
    'post',
    '/auth/usr',
    {
      policy: 'public',
      tag,
      summary: "Log in with the account's secret user key (legacy)",
      body: usrBody,
      responses: { 200: { description: 'The token answer', schema: answers.token } },
      errors: [401, 403, 429],
    },
    limit,
    async ({ body }, req, res) => {
      const issued = await accounts.loginWithUsr({ usr: body.usr, totpCode: body.totp_code }, requestInfo(req));
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
      description:
        'Only to a session that signed in at most `REAUTH_WINDOW` ago (default 5 minutes); otherwise 403 `reauth_required` with the `methods` the account can sign in with.',
      responses: { 200: { description: 'The user key', schema: usrKey } },
      errors: [403],
    },
    async (_input, req, res) => {
      res.json(await accounts.showUsrKey(callerOf(req)));
    },
  );

  routes.add(
    'post',
    '/auth/usr-key',
    {
      policy: 'session',
      tag,
      summary: "Replace the account's secret user key",
      body: rotateUsrBody,
      description:
        'Needs the `password` (and `totp_code` with 2FA), or a sign-in at most `REAUTH_WINDOW` old (403 `reauth_required` otherwise).',
      responses: { 200: { description: 'The new user key', schema: usrKey } },
      errors: [401, 403, 429],
    },
    async ({ body }, req, res) => {
      const { usr, position } = await accounts.rotateUsrKey(
        callerOf(req),
        { password: body.password, totpCode: body.totp_code },
        requestInfo(req),
      );
      await routes.answerCommand(res, position, 200, { usr });
    },
  );

  routes.add(
    'post',
    '/auth/logout',
    {
      policy: 'session',
      tag,
      summary: 'End this session: its token stops working at once',
      body: noBody,
      responses: { 200: { description: 'Logged out', schema: answers.detail } },
    },
    async (_input, req, res) => {
      const position = await accounts.logout(callerOf(req), requestInfo(req));
      // A browser session's cookies go too (harmless for a bearer client).
      clearSessionCookies(res, accounts.publicUrl());
      await routes.answerCommand(res, position, 200, { detail: 'Logged out' });
    },
  );
}
