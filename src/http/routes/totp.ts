import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { callerOf, requestInfo, requireUser } from '../auth.js';
import { answerCommand, tokenAnswer } from '../respond.js';
import { fields, parse } from '../validate.js';

const codeBody = z.strictObject({ code: z.string().trim().min(1).max(32) });
const recoverBody = z.strictObject({ username: z.string().min(1).max(254), password: fields.existingPassword, backup_code: z.string().trim().min(1).max(32) });

/** Two-factor authentication: set-up, turning off, backup codes, recovery. */
export function totpRoutes(accounts: Accounts, head: () => Promise<bigint>, limit: RequestHandler): Router {
  const router = Router();
  const auth = requireUser(accounts);

  router.get('/auth/totp', auth, async (req, res) => {
    res.json(await accounts.startSetup(callerOf(req), requestInfo(req)));
  });

  router.post('/auth/totp', auth, async (req, res) => {
    const body = parse(codeBody, req.body);
    const { backupCodes, position } = await accounts.enable(callerOf(req), { code: body.code }, requestInfo(req));
    await answerCommand(res, position, head, 200, { backup_codes: backupCodes });
  });

  router.delete('/auth/totp', auth, async (req, res) => {
    const body = parse(codeBody, req.body);
    const position = await accounts.disable(callerOf(req), { code: body.code }, requestInfo(req));
    await answerCommand(res, position, head, 200, { detail: '2FA disabled' });
  });

  router.post('/auth/totp/backup-codes', auth, async (req, res) => {
    const body = parse(codeBody, req.body);
    const { backupCodes, position } = await accounts.regenerateBackupCodes(callerOf(req), { code: body.code }, requestInfo(req));
    await answerCommand(res, position, head, 200, { backup_codes: backupCodes });
  });

  router.post('/auth/totp/recover', limit, async (req, res) => {
    const body = parse(recoverBody, req.body);
    const issued = await accounts.recover({ username: body.username, password: body.password, backupCode: body.backup_code }, requestInfo(req));
    await answerCommand(res, issued.position, head, 200, tokenAnswer(issued));
  });

  return router;
}
