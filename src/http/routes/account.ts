import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';
import { answerCommand } from '../respond.js';
import { HttpError } from '../errors.js';
import { fields, parse } from '../validate.js';

const profileBody = z.strictObject({
  display_name: fields.displayName.nullable().optional(),
  email: fields.email.nullable().optional(),
  /** Needed (with totp_code when 2FA is on) when the email changes. */
  password: fields.existingPassword.optional(),
  totp_code: fields.totpCode,
});
const usernameBody = z.strictObject({ new_username: fields.username, password: fields.existingPassword, totp_code: fields.totpCode });
const passwordBody = z.strictObject({ old_password: fields.existingPassword, new_password: fields.password, totp_code: fields.totpCode });
const initialPasswordBody = z.strictObject({ password: fields.password });
const deleteBody = z.strictObject({ password: fields.existingPassword.optional(), totp_code: fields.totpCode });
const historyQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().regex(/^\d{1,20}$/, 'must be an event position').transform(BigInt).optional(),
});
const sessionParams = z.strictObject({ id: z.uuid({ message: 'must be a session id' }) });

/** The signed-in user's own account. */
export function accountRoutes(accounts: Accounts, head: () => Promise<bigint>, routes: Routes): Router {
  const router = Router();

  const me: RequestHandler = async (req, res) => {
    res.json(await accounts.me(callerOf(req).userId));
  };
  routes.add(router, 'get', '/auth', 'user', me);
  routes.add(router, 'get', '/auth/me', 'user', me);

  routes.add(router, 'put', '/auth/me', 'user', async (req, res) => {
    const body = parse(profileBody, req.body);
    // Through an ACL token or an API key, only the display name may change.
    if (callerOf(req).kind !== 'session' && (body.email !== undefined || body.password !== undefined || body.totp_code !== undefined)) {
      throw new HttpError(callerOf(req).kind === 'acl' ? 'acl_forbidden' : 'forbidden', 'Only display_name may be changed with an ACL token or an API key');
    }
    const { user, position } = await accounts.updateProfile(
      callerOf(req),
      { displayName: body.display_name, email: body.email, password: body.password, totpCode: body.totp_code },
      requestInfo(req),
    );
    await answerCommand(res, position, head, 200, user);
  });

  routes.add(router, 'put', '/auth/me/username', 'session', async (req, res) => {
    const body = parse(usernameBody, req.body);
    const { user, position } = await accounts.changeUsername(callerOf(req), { newUsername: body.new_username, password: body.password, totpCode: body.totp_code }, requestInfo(req));
    await answerCommand(res, position, head, 200, user);
  });

  routes.add(router, 'put', '/auth/update-password', 'session', async (req, res) => {
    const body = parse(passwordBody, req.body);
    const position = await accounts.changePassword(callerOf(req), { oldPassword: body.old_password, newPassword: body.new_password, totpCode: body.totp_code }, requestInfo(req));
    await answerCommand(res, position, head, 200, { detail: 'Password updated' });
  });

  routes.add(router, 'post', '/auth/me/set-initial-password', 'session', async (req, res) => {
    const body = parse(initialPasswordBody, req.body);
    const position = await accounts.setInitialPassword(callerOf(req), { password: body.password }, requestInfo(req));
    await answerCommand(res, position, head, 200, { detail: 'Password set' });
  });

  routes.add(router, 'get', '/auth/sessions', 'session', async (req, res) => {
    res.json(await accounts.listSessions(callerOf(req)));
  });

  routes.add(router, 'delete', '/auth/sessions/:id', 'session', async (req, res) => {
    const { id } = parse(sessionParams, req.params);
    const position = await accounts.revokeSession(callerOf(req), id, requestInfo(req));
    await answerCommand(res, position, head, 200, { detail: 'Session revoked' });
  });

  routes.add(router, 'delete', '/auth/me', 'session', async (req, res) => {
    const body = parse(deleteBody, req.body);
    const position = await accounts.deleteAccount(callerOf(req), { password: body.password, totpCode: body.totp_code }, requestInfo(req));
    await answerCommand(res, position, head, 200, { detail: 'Account deleted' });
  });

  routes.add(router, 'get', '/auth/me/history', 'session', async (req, res) => {
    const query = parse(historyQuery, req.query);
    res.json(await accounts.history(callerOf(req), query));
  });

  return router;
}
