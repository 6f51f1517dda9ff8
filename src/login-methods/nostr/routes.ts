import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import type { nostrAccounts } from './nostr.js';
import { callerOf, requestInfo, type Routes } from '../../http/auth.js';
import { tokenAnswer } from '../../http/respond.js';
import { fields } from '../../http/validate.js';
import { answers } from '../../http/openapi.js';

const loginBody = z.strictObject({
  nostr_event: z.string().min(2).max(16_384).optional(),
  totp_code: fields.totpCode,
  referrer_token: fields.referrerToken,
});
const linkBody = z.strictObject({ nostr_event: z.string().min(2).max(16_384) });
const tag = 'Nostr';

/** Nostr NIP-98: sign in, link a key to the signed-in account, unlink it. */
export function nostrRoutes(
  useCases: ReturnType<typeof nostrAccounts>,
  accounts: Accounts,
  routes: Routes,
  limit: RequestHandler,
): void {
  routes.add(
    'post',
    '/auth/nostr',
    {
      policy: 'public',
      command: true,
      captcha: true,
      tag,
      summary: 'Log in with a NIP-98 event; an unknown key makes an account (when registration is open)',
      body: loginBody,
      description:
        'The event comes as `Authorization: Nostr <base64 event>` or as `nostr_event` (the event JSON as a string): ' +
        'kind 27235, `u` tag the public URL of this path, `method` tag POST, `created_at` within 60 s, never used before. ' +
        'The scheme is matched in any case (`nostr <base64>`, as LNbits clients send it); a `payload` tag must be the ' +
        'SHA-256 (hex) of the request body as sent.',
      responses: {
        200: { description: 'The token answer', schema: answers.token },
        201: { description: 'The token answer, for an account made by this login', schema: answers.token },
      },
      errors: [401, 403, 409, 410, 429],
    },
    limit,
    async ({ body }, req, res) => {
      // The scheme in any case (RFC 9110 §11.1): LNbits' own clients send `nostr <base64>`.
      const header = /^nostr\s/i.test(req.headers.authorization ?? '') ? req.headers.authorization : undefined;
      const issued = await useCases.loginWithNostr(
        {
          header,
          body: body.nostr_event,
          payload: bodyHash(req),
          totpCode: body.totp_code,
          referrerToken: body.referrer_token,
        },
        requestInfo(req),
      );
      await routes.answerCommand(res, issued.position, 'userId' in issued ? 201 : 200, tokenAnswer(issued));
    },
  );

  routes.add(
    'post',
    '/auth/nostr/link',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Link a Nostr key (a NIP-98 event signed by it) to the account',
      body: linkBody,
      stepUp: true,
      responses: { 200: { description: 'The user object', schema: answers.user } },
      errors: [409, 410],
    },
    async ({ body }, req, res) => {
      const { user, position } = await useCases.linkNostr(
        callerOf(req),
        { body: body.nostr_event, payload: bodyHash(req) },
        requestInfo(req),
      );
      await routes.answerCommand(res, position, 200, user);
    },
  );
}

/** The SHA-256 (hex) of the request's body as it came, for a NIP-98 `payload` tag (an empty body when none came). */
const bodyHash = (req: Request) =>
  createHash('sha256')
    .update(req.rawBody ?? Buffer.alloc(0))
    .digest('hex');
