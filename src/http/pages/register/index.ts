import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../../accounts/index.js';
import { pageRedirectAllowed } from '../../../login-methods/oauth/oauth.js';
import type { Routes } from '../../auth.js';
import { messagesFor } from '../../messages/index.js';
import { sendPage } from '../../page.js';
import { captchaAsset, captchaPanel } from '../../routes/captcha-widget.js';
import { fields } from '../../validate.js';
import { registerBody } from './markup.js';
import { closedScript, registerScript } from './script.js';

// Not strict: an invite link passed around may pick up parameters of its own (`utm_*`).
const pageQuery = z.object({
  invite: z.string().max(128).optional().describe('An invite code, prefilled in the form (sent as `referrer_token`)'),
  redirect_uri: z
    .string()
    .max(2048)
    .optional()
    .describe("Where to go once signed up: as /login's, on ALLOWED_REDIRECTS or one of the service's own pages"),
});
const strengthBody = z.strictObject({
  password: fields.password.describe('The password being typed'),
  username: z.string().max(254).optional().describe('Counted as a word the password must not lean on'),
  email: z.string().max(254).optional().describe('Counted as a word the password must not lean on'),
});
const verdict = z.object({
  score: z.number().int().min(0).max(4).describe("zxcvbn-ts's score (0–4)"),
  min_score: z.number().int().describe('PASSWORD_MIN_SCORE: the least score a new password needs'),
  strong: z.boolean().describe('Strong enough for this service (a breach check, when on, still comes at registration)'),
  warning: z.string().nullable(),
  suggestions: z.array(z.string()),
});

/** GET /register, and the strength check its meter calls while a person types. */
export function registerPageRoutes(accounts: Accounts, pages: Routes, api: Routes, limit: RequestHandler): void {
  pages.add(
    'get',
    '/register',
    {
      policy: 'public',
      tag: 'Pages',
      summary:
        'A sign-up page for people: username, email, password with a live strength meter, invite and CAPTCHA when needed',
      query: pageQuery,
      description:
        'Signs up through `POST /api/v1/auth/register?session=cookie`, then goes to `redirect_uri` when /login would. With REGISTRATION=closed the page only says so.',
      responses: { 200: { description: 'The page', contentType: 'text/html' } },
    },
    async ({ query }, req, res) => {
      const m = messagesFor(req.headers['accept-language']);
      const { registration } = await accounts.setupStatus();
      const widget = registration === 'closed' ? null : accounts.captchaWidget();
      // The same rule as /login's: anywhere else is refused, and said so.
      const asked = query.redirect_uri;
      const redirect =
        asked && pageRedirectAllowed(asked, accounts.allowedRedirects(), accounts.publicUrl()) ? asked : null;
      sendPage(res, {
        title: `${m.register.title} · ${accounts.serviceName()}`,
        script: registration === 'closed' ? closedScript(m) : registerScript(m),
        ...captchaAsset(widget),
        body: registerBody(m, {
          service: accounts.serviceName(),
          registration,
          invite: query.invite ?? '',
          redirect,
          redirectRefused: Boolean(asked && !redirect),
          captcha: captchaPanel(widget),
        }),
      });
    },
  );

  // Limited per IP like registration: each check runs zxcvbn-ts (~30 ms of CPU at most, on its thread).
  api.add(
    'post',
    '/auth/password-strength',
    {
      policy: 'public',
      tag: 'Registration and login',
      summary: "How strong a password is by this service's own rules (the sign-up page's meter)",
      body: strengthBody,
      description:
        'The same zxcvbn-ts setup and PASSWORD_MIN_SCORE as registration, with the username and address counted as known words. Nothing is stored or logged.',
      responses: { 200: { description: 'The verdict', schema: verdict } },
      errors: [429],
    },
    limit,
    async ({ body }, _req, res) => {
      const strength = await accounts.passwordStrength(body.password, [body.username, body.email]);
      res.json({
        score: strength.score,
        min_score: strength.minScore,
        strong: strength.score >= strength.minScore,
        warning: strength.warning,
        suggestions: strength.suggestions,
      });
    },
  );
}
