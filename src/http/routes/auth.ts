import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';
import { answerCommand, tokenAnswer } from '../respond.js';
import { fields, parse } from '../validate.js';

const registerBody = z.strictObject({
  username: fields.username,
  password: fields.password,
  email: fields.email.nullish(),
  display_name: fields.displayName.nullish(),
});

const usrBody = z.strictObject({ usr: z.string().min(1).max(256), totp_code: fields.totpCode });

const loginBody = z.strictObject({
  username: z.string().min(1).max(254),
  password: fields.existingPassword,
  totp_code: fields.totpCode,
});

/** Set-up, registration, password login and logout. */
export function authRoutes(accounts: Accounts, head: () => Promise<bigint>, routes: Routes, limit: RequestHandler): Router {
  const router = Router();

  routes.add(router, 'get', '/auth/setup-status', 'public', limit, async (_req, res) => {
    res.json(await accounts.setupStatus());
  });

  routes.add(router, 'post', '/auth/register', 'public', limit, async (req, res) => {
    const body = parse(registerBody, req.body);
    const issued = await accounts.register(
      { username: body.username, password: body.password, email: body.email ?? null, displayName: body.display_name ?? null },
      requestInfo(req),
    );
    await answerCommand(res, issued.position, head, 201, tokenAnswer(issued));
  });

  routes.add(router, 'post', '/auth', 'public', limit, async (req, res) => {
    const body = parse(loginBody, req.body);
    const issued = await accounts.login({ username: body.username, password: body.password, totpCode: body.totp_code }, requestInfo(req));
    await answerCommand(res, issued.position, head, 200, tokenAnswer(issued));
  });

  routes.add(router, 'post', '/auth/usr', 'public', limit, async (req, res) => {
    const body = parse(usrBody, req.body);
    const issued = await accounts.loginWithUsr({ usr: body.usr, totpCode: body.totp_code }, requestInfo(req));
    await answerCommand(res, issued.position, head, 200, tokenAnswer(issued));
  });

  routes.add(router, 'get', '/auth/usr-key', 'session', async (req, res) => {
    res.json(await accounts.showUsrKey(callerOf(req)));
  });

  routes.add(router, 'post', '/auth/usr-key', 'session', async (req, res) => {
    parse(z.strictObject({}), req.body);
    const { usr, position } = await accounts.rotateUsrKey(callerOf(req), requestInfo(req));
    await answerCommand(res, position, head, 200, { usr });
  });

  routes.add(router, 'post', '/auth/logout', 'session', async (req, res) => {
    parse(z.strictObject({}), req.body);
    const position = await accounts.logout(callerOf(req), requestInfo(req));
    await answerCommand(res, position, head, 200, { detail: 'Logged out' });
  });

  return router;
}
