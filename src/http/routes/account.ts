import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { callerOf, requestInfo, type RouteHandler, type Routes } from '../auth.js';
import { sendJsonText } from '../respond.js';
import { HttpError } from '../errors.js';
import { fields, proofFields, proofOf } from '../validate.js';
import { answers } from '../openapi.js';

const profileBody = z.strictObject({
  display_name: fields.displayName.nullable().optional(),
  first_name: fields.displayName.nullable().optional(),
  last_name: fields.displayName.nullable().optional(),
  email: fields.email.nullable().optional(),
  /** Needed (with totp_code when 2FA is on) when the email changes; or `passkey` instead. */
  ...proofFields,
});
const usernameBody = z
  .strictObject({
    new_username: fields.username,
    ...proofFields,
  })
  .refine((body) => body.password !== undefined || body.passkey !== undefined, {
    message: 'send the password (and totp_code with 2FA), or a passkey',
    path: ['password'],
  });
const passwordBody = z.strictObject({
  old_password: fields.existingPassword,
  new_password: fields.password,
  totp_code: fields.totpCode,
  revoke_credentials: z
    .boolean()
    .optional()
    .describe('Also replace the user key and revoke every API key and ACL token (default false)'),
});
const initialPasswordBody = z.strictObject({ password: fields.password });
const deleteBody = z.strictObject(proofFields);
const historyQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z
    .string()
    .regex(/^\d{1,20}$/, 'must be an event position')
    .transform(BigInt)
    .optional(),
});
const sessionParams = z.strictObject({ id: z.uuid({ message: 'must be a session id' }) });
const othersQuery = z.strictObject({ others: z.literal('true', { message: 'must be true' }) });
/** The sessions of an account, as `GET /auth/sessions` (and an admin's view of a user) lists them. */
export const sessionList = z.array(
  z.object({
    id: z.uuid(),
    method: z.string().describe('The way in it started with'),
    device: z.string().describe('Browser and system, from the user agent ("Firefox 128 on Linux")'),
    network: z.string().nullable().describe("The address's network: an IPv4 /24 or an IPv6 /48"),
    created_at: z.iso.datetime(),
    last_used_at: z.iso.datetime().describe('Kept to the minute, across restarts'),
    last_seen_at: z.iso.datetime().describe('The older name of last_used_at'),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    current: z.boolean(),
  }),
);
const endedAnswer = z.object({ detail: z.string(), ended: z.number().int() });
const historyList = z.array(
  z.object({
    type: z.string(),
    at: z.iso.datetime(),
    position: z.string(),
    summary: z.string(),
    /** Where the request that caused it came from (null once the account is erased, or when unknown). */
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
  }),
);
const tag = 'Account';
const userAnswer = { 200: { description: 'The user object', schema: answers.user } };

/** The signed-in user's own account. */
export function accountRoutes(accounts: Accounts, routes: Routes): void {
  const me: RouteHandler = async (_input, req, res) => {
    sendJsonText(res, await accounts.meJson(callerOf(req).userId));
  };
  routes.add(
    'get',
    '/auth',
    { policy: 'user', tag, summary: 'The signed-in user (same as GET /auth/me)', responses: userAnswer },
    me,
  );
  routes.add('get', '/auth/me', { policy: 'user', tag, summary: 'The signed-in user', responses: userAnswer }, me);

  routes.add(
    'put',
    '/auth/me',
    {
      policy: 'user',
      command: true,
      tag,
      summary: 'Change the display name, first and last name, or the email',
      body: profileBody,
      description:
        "A new email is unverified and a verification mail is sent (the answer then carries that code's `otp_session`, for `POST /auth/verify-otp`); changing it needs `password` (and `totp_code` when 2FA is on). " +
        'Through an ACL token or an API key only the names may change.',
      responses: {
        200: {
          description: 'The user object; with `otp_session` when a verification code was mailed to a new address',
          schema: answers.user.extend({
            otp_session: z
              .string()
              .optional()
              .describe(
                'Only when this change mailed a verification code: its session, for `POST /auth/verify-otp {otp, otp_session}` with the code from that mail',
              ),
          }),
        },
      },
      errors: [409, 410, 429, 503],
    },
    async ({ body }, req, res) => {
      // Through an ACL token or an API key, only the names may change.
      if (
        callerOf(req).kind !== 'session' &&
        (body.email !== undefined ||
          body.password !== undefined ||
          body.totp_code !== undefined ||
          body.passkey !== undefined)
      ) {
        throw new HttpError(
          callerOf(req).kind === 'acl' ? 'acl_forbidden' : 'forbidden',
          'Only display_name, first_name and last_name may be changed with an ACL token or an API key',
        );
      }
      const { user, otpSession, position } = await accounts.updateProfile(
        callerOf(req),
        {
          displayName: body.display_name,
          firstName: body.first_name,
          lastName: body.last_name,
          email: body.email,
          ...proofOf(body),
        },
        requestInfo(req),
      );
      await routes.answerCommand(res, position, 200, otpSession ? { ...user, otp_session: otpSession } : user);
    },
  );

  routes.add(
    'put',
    '/auth/me/username',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Change the username',
      body: usernameBody,
      responses: userAnswer,
      errors: [409, 410, 429],
    },
    async ({ body }, req, res) => {
      const { user, position } = await accounts.changeUsername(
        callerOf(req),
        { newUsername: body.new_username, ...proofOf(body) },
        requestInfo(req),
      );
      await routes.answerCommand(res, position, 200, user);
    },
  );

  routes.add(
    'put',
    '/auth/update-password',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Change the password; every other session of the account is revoked',
      body: passwordBody,
      description:
        'With `revoke_credentials: true` the user key is replaced and every API key and ACL token of the account is revoked as well.',
      responses: { 200: { description: 'Password updated', schema: answers.detail } },
      errors: [429],
    },
    async ({ body }, req, res) => {
      const position = await accounts.changePassword(
        callerOf(req),
        {
          oldPassword: body.old_password,
          newPassword: body.new_password,
          totpCode: body.totp_code,
          revokeCredentials: body.revoke_credentials,
        },
        requestInfo(req),
      );
      await routes.answerCommand(res, position, 200, { detail: 'Password updated' });
    },
  );

  routes.add(
    'post',
    '/auth/me/set-initial-password',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Set a password on an account that has none',
      body: initialPasswordBody,
      stepUp: true,
      responses: { 200: { description: 'Password set', schema: answers.detail } },
      errors: [409],
    },
    async ({ body }, req, res) => {
      const position = await accounts.setInitialPassword(callerOf(req), { password: body.password }, requestInfo(req));
      await routes.answerCommand(res, position, 200, { detail: 'Password set' });
    },
  );

  routes.add(
    'get',
    '/auth/sessions',
    {
      policy: 'session',
      tag,
      summary: "The account's active sessions",
      responses: { 200: { description: 'The sessions', schema: sessionList } },
    },
    async (_input, req, res) => {
      res.json(await accounts.listSessions(callerOf(req)));
    },
  );

  routes.add(
    'delete',
    '/auth/sessions',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'End every session but this one (?others=true)',
      query: othersQuery,
      responses: { 200: { description: 'The other sessions ended', schema: endedAnswer } },
    },
    async (_input, req, res) => {
      const { ended, position } = await accounts.revokeOtherSessions(callerOf(req), requestInfo(req));
      await routes.answerCommand(res, position, 200, { detail: 'Other sessions ended', ended });
    },
  );

  routes.add(
    'delete',
    '/auth/sessions/:id',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Revoke a session',
      params: sessionParams,
      responses: { 200: { description: 'Session revoked', schema: answers.detail } },
    },
    async ({ params }, req, res) => {
      const position = await accounts.revokeSession(callerOf(req), params.id, requestInfo(req));
      await routes.answerCommand(res, position, 200, { detail: 'Session revoked' });
    },
  );

  routes.add(
    'delete',
    '/auth/me',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Delete the account',
      body: deleteBody,
      description:
        '`password` (and `totp_code` when 2FA is on) are required when set. Personal data becomes unreadable everywhere, ' +
        'including old events; tokens, keys and ACLs die; the username and email are free again. ' +
        'The superadmin account cannot be deleted: 409 `conflict`.',
      responses: { 200: { description: 'Account deleted', schema: answers.detail } },
      errors: [409, 410, 429],
    },
    async ({ body }, req, res) => {
      const position = await accounts.deleteAccount(callerOf(req), proofOf(body), requestInfo(req));
      await routes.answerCommand(res, position, 200, { detail: 'Account deleted' });
    },
  );

  routes.add(
    'get',
    '/auth/me/history',
    {
      policy: 'session',
      tag,
      summary: "The account's own audit trail, newest first",
      query: historyQuery,
      responses: { 200: { description: 'The events', schema: historyList } },
    },
    async ({ query }, req, res) => {
      res.json(await accounts.history(callerOf(req), query));
    },
  );
}
