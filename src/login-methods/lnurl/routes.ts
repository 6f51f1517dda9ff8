import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import type { lnurlAccounts } from './lnurl.js';
import { optionalSession, requestInfo, type Routes } from '../../http/auth.js';
import { tokenAnswer } from '../../http/respond.js';
import { fields } from '../../http/validate.js';
import { answers } from '../../http/openapi.js';

const startQuery = z.strictObject({
  action: z.enum(['login', 'register', 'link', 'auth']).default('login'),
  referrer_token: fields.referrerToken,
});
const callbackQuery = z.object({
  tag: z.string().max(16).optional(),
  k1: z.string().max(128).optional(),
  sig: z.string().max(256).optional(),
  key: z.string().max(128).optional(),
});
const pollParams = z.strictObject({ k1: z.string().max(128) });
const pollQuery = z.strictObject({ totp_code: z.string().max(32).optional() });
const challenge = z.object({ lnurl: z.string(), k1: z.string(), callback: z.string(), expires_at: z.iso.datetime() });
const walletAnswer = z.object({ status: z.enum(['OK', 'ERROR']), reason: z.string().optional() });
const tag = 'LNURL-auth';

/** LNURL-auth (LUD-04): start, the wallet's callback, and the poll that hands out the token. */
export function lnurlRoutes(
  useCases: ReturnType<typeof lnurlAccounts>,
  accounts: Accounts,
  routes: Routes,
  limit: RequestHandler,
): void {
  // Public, except that `action=link` needs the account's bearer token.
  routes.add(
    'get',
    '/auth/lnurl',
    {
      policy: 'public',
      captcha: true,
      tag,
      summary: 'Start an LNURL-auth login, registration or link',
      query: startQuery,
      description: "`action=link` needs the account's session as `Authorization: Bearer`.",
      responses: { 200: { description: 'The LNURL to show the wallet, and the k1 to poll', schema: challenge } },
      errors: [401, 403, 429],
    },
    limit,
    async ({ query }, req, res) => {
      const caller = query.action === 'link' ? await optionalSession(accounts, req) : null;
      // Linking is a sensitive action: the one step-up rule (a public route, so applied here).
      if (caller) await accounts.requireStepUp(caller, {}, requestInfo(req));
      res.json(await useCases.startLnurl(query.action, caller, requestInfo(req), query.referrer_token));
    },
  );

  // The wallet's call: LUD-04 JSON, HTTP 200 either way.
  routes.add(
    'get',
    '/auth/lnurl/callback',
    {
      policy: 'public',
      tag,
      summary: "The wallet's LUD-04 callback",
      query: callbackQuery,
      responses: { 200: { description: 'LUD-04 JSON, HTTP 200 whether it succeeded or not', schema: walletAnswer } },
      errors: [429],
      // A bad query is a LUD-04 error the wallet can show (HTTP 200), not our 400.
      parsedByHandler: ['query'],
    },
    limit,
    async (_input, req, res) => {
      const query = callbackQuery.safeParse(req.query);
      if (!query.success) {
        res.json({ status: 'ERROR', reason: 'bad query' });
        return;
      }
      res.json(await useCases.lnurlCallback(query.data, requestInfo(req)));
    },
  );

  routes.add(
    'get',
    '/auth/lnurl/:k1',
    {
      policy: 'public',
      command: [200],
      tag,
      summary: 'Poll a k1 until a wallet has signed it; the token comes exactly once',
      params: pollParams,
      query: pollQuery,
      responses: {
        200: { description: 'The token answer', schema: answers.token },
        202: { description: 'Not signed yet', schema: z.object({ status: z.literal('pending') }) },
      },
      errors: [401, 403, 410, 429],
    },
    limit,
    async ({ params, query }, req, res) => {
      const answer = await useCases.pollLnurl(params.k1, query.totp_code, requestInfo(req));
      if (answer.pending) {
        res.status(202).json({ status: 'pending' });
        return;
      }
      await routes.answerCommand(res, answer.issued.position, 200, tokenAnswer(answer.issued));
    },
  );
}
