import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { CHALLENGE_TTL_MS } from '../../../domain/challenge/decider.js';
import { MAIL_PAGES } from '../../mail/templates.js';
import { requestInfo, type Routes } from '../auth.js';
import { messagesFor } from '../messages/index.js';
import { escapeHtml, sendPage } from '../page.js';
import { newLinkScript } from './password-scripts.js';
import { newLinkBlock } from './password-pages.js';
import { WASNT_ME_SCRIPT } from './wasnt-me-script.js';

const disownBody = z.strictObject({
  token: z.string().min(1).max(512).describe('The token of the notice\'s "this wasn\'t me" link'),
});
const disowned = z.object({
  detail: z.string(),
  ended_sessions: z.number().int().describe('Sessions ended, the one the notice told of among them'),
  forgotten_devices: z.number().int().describe('Trusted devices forgotten'),
  revoked_credentials: z.number().int().describe('API keys and ACL tokens revoked'),
});
const RESET_MINUTES = CHALLENGE_TTL_MS.password_reset / 60_000;

/**
 * "This wasn't me": the page a new-device notice links to, and the call it makes. Opening the
 * page spends nothing (a mail scanner may fetch it); only its button sends the token.
 */
export function wasntMeRoutes(accounts: Accounts, pages: Routes, api: Routes, limit: RequestHandler): void {
  api.add(
    'post',
    '/auth/wasnt-me',
    {
      policy: 'public',
      command: true,
      tag: 'Account',
      summary: '"This wasn\'t me": secure the account a new-device notice was about',
      body: disownBody,
      description:
        'With the single-use token of a new-device notice (valid 7 days): every session of the account ends, every trusted device is forgotten, every API key and ACL token is revoked, the legacy user key is replaced, and a password sign-in answers 403 `password_reset_required` until the password is reset by mail (`POST /auth/reset-password`). The owner is mailed what happened. A used or expired link answers 410 (`challenge_used`, `challenge_expired`); a damaged one (a wrong secret, which spends the link) or a token that is not one answers 401 `invalid_credentials`; an account deleted since, 404.',
      responses: { 200: { description: 'The account is secured', schema: disowned } },
      errors: [401, 404, 410, 429],
    },
    limit,
    async ({ body }, req, res) => {
      const done = await accounts.disownSignIn({ token: body.token }, requestInfo(req));
      await api.answerCommand(res, done.position, 200, {
        detail: 'Every session ended; reset the password by mail before signing in with it',
        ended_sessions: done.endedSessions,
        forgotten_devices: done.forgottenDevices,
        revoked_credentials: done.revokedCredentials,
      });
    },
  );

  pages.add(
    'get',
    MAIL_PAGES.wasntMe,
    {
      policy: 'public',
      tag: 'Pages',
      summary: 'The page a new-device notice links to: "this wasn\'t me"',
      query: z.object({ token: z.string().max(512).optional().describe('The token from the mail') }),
      responses: { 200: { description: 'The page', contentType: 'text/html' } },
      description:
        'A page for people: it reads `token` in the browser and, when the person confirms, sends it to `POST /api/v1/auth/wasnt-me`. Answered with `Referrer-Policy: no-referrer`.',
    },
    (_input, req, res) => {
      const m = messagesFor(req.headers['accept-language']);
      const t = m.wasntMe;
      sendPage(res, {
        title: `${t.title} · ${accounts.serviceName()}`,
        script: newLinkScript(m) + WASNT_ME_SCRIPT,
        style: '#done, #link-problem { margin-bottom: 1.5rem; }',
        body: `<main id="wasnt-me-page" class="narrow" data-api="/api/v1" data-reset-minutes="${RESET_MINUTES}">
<h1>${escapeHtml(t.heading)}</h1>
<noscript><p class="notice">${escapeHtml(m.passwords.needsScript)}</p></noscript>
<p id="link-problem" class="notice" role="alert" hidden></p>
<section id="confirm-panel">
<p>${escapeHtml(t.intro(accounts.serviceName()))}</p>
<ul>
${t.consequences.map((line) => `<li>${escapeHtml(line)}</li>`).join('\n')}
</ul>
<button id="secure" type="button">${escapeHtml(t.secure)}</button>
<p id="secure-error" class="error" role="alert" hidden></p>
</section>
<div id="done" class="success" role="status" hidden></div>
<section id="new-link" hidden>
<h2>${escapeHtml(t.newPasswordHeading)}</h2>
<p>${escapeHtml(t.newPasswordIntro)}</p>
${newLinkBlock(m.passwords, t.mailLink, accounts.captchaWidget() !== null)}
</section>
</main>`,
      });
    },
  );
}
