import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';
import { answerCommand, tokenAnswer } from '../respond.js';
import { fields, parse } from '../validate.js';

const codeBody = z.strictObject({ code: z.string().trim().min(1).max(32) });
const recoverBody = z.strictObject({ username: z.string().min(1).max(254), password: fields.existingPassword, backup_code: z.string().trim().min(1).max(32) });

/** Two-factor authentication: set-up, turning off, backup codes, recovery. */
export function totpRoutes(accounts: Accounts, head: () => Promise<bigint>, routes: Routes, limit: RequestHandler): Router {
  const router = Router();

  routes.add(router, 'get', '/auth/totp', 'session', async (req, res) => {
    res.json(await accounts.startSetup(callerOf(req), requestInfo(req)));
  });

  routes.add(router, 'post', '/auth/totp', 'session', async (req, res) => {
    const body = parse(codeBody, req.body);
    const { backupCodes, position } = await accounts.enable(callerOf(req), { code: body.code }, requestInfo(req));
    await answerCommand(res, position, head, 200, { backup_codes: backupCodes });
  });

  routes.add(router, 'delete', '/auth/totp', 'session', async (req, res) => {
    const body = parse(codeBody, req.body);
    const position = await accounts.disable(callerOf(req), { code: body.code }, requestInfo(req));
    await answerCommand(res, position, head, 200, { detail: '2FA disabled' });
  });

  routes.add(router, 'post', '/auth/totp/backup-codes', 'session', async (req, res) => {
    const body = parse(codeBody, req.body);
    const { backupCodes, position } = await accounts.regenerateBackupCodes(callerOf(req), { code: body.code }, requestInfo(req));
    await answerCommand(res, position, head, 200, { backup_codes: backupCodes });
  });

  routes.add(router, 'post', '/auth/totp/recover', 'public', limit, async (req, res) => {
    const body = parse(recoverBody, req.body);
    const issued = await accounts.recover({ username: body.username, password: body.password, backupCode: body.backup_code }, requestInfo(req));
    await answerCommand(res, issued.position, head, 200, tokenAnswer(issued));
  });

  return router;
}
