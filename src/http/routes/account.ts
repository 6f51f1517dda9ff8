import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { callerOf, requestInfo, requireUser } from '../auth.js';
import { answerCommand } from '../respond.js';
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
export function accountRoutes(accounts: Accounts, head: () => Promise<bigint>): Router {
  const router = Router();
  const auth = requireUser(accounts);

  const me: RequestHandler = async (req, res) => {
    res.json(await accounts.me(callerOf(req).userId));
  };
  router.get('/auth', auth, me);
  router.get('/auth/me', auth, me);

  router.put('/auth/me', auth, async (req, res) => {
    const body = parse(profileBody, req.body);
    const { user, position } = await accounts.updateProfile(
      callerOf(req),
      { displayName: body.display_name, email: body.email, password: body.password, totpCode: body.totp_code },
      requestInfo(req),
    );
    await answerCommand(res, position, head, 200, user);
  });

  router.put('/auth/me/username', auth, async (req, res) => {
    const body = parse(usernameBody, req.body);
    const { user, position } = await accounts.changeUsername(callerOf(req), { newUsername: body.new_username, password: body.password, totpCode: body.totp_code }, requestInfo(req));
    await answerCommand(res, position, head, 200, user);
  });

  router.put('/auth/update-password', auth, async (req, res) => {
    const body = parse(passwordBody, req.body);
    const position = await accounts.changePassword(callerOf(req), { oldPassword: body.old_password, newPassword: body.new_password, totpCode: body.totp_code }, requestInfo(req));
    await answerCommand(res, position, head, 200, { detail: 'Password updated' });
  });

  router.post('/auth/me/set-initial-password', auth, async (req, res) => {
    const body = parse(initialPasswordBody, req.body);
    const position = await accounts.setInitialPassword(callerOf(req), { password: body.password }, requestInfo(req));
    await answerCommand(res, position, head, 200, { detail: 'Password set' });
  });

  router.get('/auth/sessions', auth, async (req, res) => {
    res.json(await accounts.listSessions(callerOf(req)));
  });

  router.delete('/auth/sessions/:id', auth, async (req, res) => {
    const { id } = parse(sessionParams, req.params);
    const position = await accounts.revokeSession(callerOf(req), id, requestInfo(req));
    await answerCommand(res, position, head, 200, { detail: 'Session revoked' });
  });

  router.delete('/auth/me', auth, async (req, res) => {
    const body = parse(deleteBody, req.body);
    const position = await accounts.deleteAccount(callerOf(req), { password: body.password, totpCode: body.totp_code }, requestInfo(req));
    await answerCommand(res, position, head, 200, { detail: 'Account deleted' });
  });

  router.get('/auth/me/history', auth, async (req, res) => {
    const query = parse(historyQuery, req.query);
    res.json(await accounts.history(callerOf(req), query));
  });

  return router;
}
