import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';
import { answerCommand, tokenAnswer } from '../respond.js';
import { fields, parse } from '../validate.js';

const loginBody = z.strictObject({ nostr_event: z.string().min(2).max(16_384).optional(), totp_code: fields.totpCode });
const linkBody = z.strictObject({ nostr_event: z.string().min(2).max(16_384) });

/** Nostr NIP-98: sign in, link a key to the signed-in account, unlink it. */
export function nostrRoutes(accounts: Accounts, head: () => Promise<bigint>, routes: Routes, limit: RequestHandler): Router {
  const router = Router();

  routes.add(router, 'post', '/auth/nostr', 'public', limit, async (req, res) => {
    const body = parse(loginBody, req.body);
    const header = req.headers.authorization?.startsWith('Nostr ') ? req.headers.authorization : undefined;
    const issued = await accounts.loginWithNostr({ header, body: body.nostr_event, totpCode: body.totp_code }, requestInfo(req));
    await answerCommand(res, issued.position, head, 'userId' in issued ? 201 : 200, tokenAnswer(issued));
  });

  routes.add(router, 'post', '/auth/nostr/link', 'session', async (req, res) => {
    const body = parse(linkBody, req.body);
    const { user, position } = await accounts.linkNostr(callerOf(req), { body: body.nostr_event }, requestInfo(req));
    await answerCommand(res, position, head, 200, user);
  });

  return router;
}
