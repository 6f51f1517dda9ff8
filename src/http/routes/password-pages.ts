import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { CHALLENGE_TTL_MS } from '../../../domain/challenge/decider.js';
import { MAIL_PAGES } from '../../mail/templates.js';
import type { Routes } from '../auth.js';
import { messagesFor, type Messages } from '../messages/index.js';
import { escapeHtml, sendPage } from '../page.js';
import { newLinkScript, RESET_SCRIPT } from './password-scripts.js';
import { captchaAsset, captchaPanel } from './captcha-widget.js';

// Not strict: a mail tracker or a scanner may add parameters of its own (`utm_*`), and the page
// answers the same whatever comes; only `token` is read, in the browser.
const linkQuery = z.object({
  token: z
    .string()
    .max(512)
    .optional()
    .describe('The token from the mail; the page sends it in the body of PUT /api/v1/auth/reset-password'),
});
const tag = 'Pages';
const html = { 200: { description: 'The page', contentType: 'text/html' } };
const RESET_MINUTES = CHALLENGE_TTL_MS.password_reset / 60_000;

type Texts = Messages['passwords'];
/** What differs between the page of a reset mail and the page of an admin-made account's mail. */
type Words = Texts['reset'] | Texts['set'];

/** The form that mails a new reset link (`POST /auth/reset-password`), on every password page. */
export const newLinkForm = (t: Texts, button: string) => `<form id="new-link-form">
<label for="email">${escapeHtml(t.emailLabel)}</label>
<input id="email" name="email" type="email" autocomplete="email" maxlength="254" required>
<button id="new-link-submit" type="submit">${escapeHtml(button)}</button>
<p id="new-link-status" class="success" role="status" hidden></p>
<p id="new-link-error" class="error" role="alert" hidden></p>
</form>`;

const needsScript = (t: Texts) => `<noscript><p class="notice">${escapeHtml(t.needsScript)}</p></noscript>`;

/**
 * The new-link form, or with a CAPTCHA on a link to /forgot-password, which shows the widget: a
 * page that holds a secret link never loads a third party's script.
 */
export const newLinkBlock = (t: Texts, button: string, captchaOn: boolean) =>
  captchaOn
    ? `<p><a id="new-link-page" href="/forgot-password">${escapeHtml(t.askNewLink)}</a> ${escapeHtml(t.askNewLinkWhy)}</p>`
    : newLinkForm(t, button);

/** The page a mail's link opens: the new password twice, the answer in words, a new link when this one will not do. */
const passwordPage = (
  t: Texts,
  words: Words,
  service: string,
  captchaOn: boolean,
) => `<main id="password-page" class="narrow" data-api="/api/v1" data-reset-minutes="${RESET_MINUTES}">
<h1>${escapeHtml(words.title)}</h1>
<p id="intro">${escapeHtml(words.intro(service))}</p>
${needsScript(t)}
<p id="link-problem" class="notice" role="alert" hidden></p>
<section id="password-panel">
<form id="password-form">
<label for="new-password">${escapeHtml(t.newPasswordLabel)}</label>
<input id="new-password" name="new_password" type="password" autocomplete="new-password" minlength="8" maxlength="128" required aria-describedby="password-hint">
<p id="password-hint" class="hint">${escapeHtml(t.newPasswordHint)}</p>
<label for="confirm-password">${escapeHtml(t.confirmLabel)}</label>
<input id="confirm-password" type="password" autocomplete="new-password" minlength="8" maxlength="128" required>
<button id="password-submit" type="submit">${escapeHtml(words.button)}</button>
<p id="password-error" class="error" role="alert" hidden></p>
</form>
</section>
<div id="done" class="success" role="status" hidden>
<p>${escapeHtml(words.done)}</p>
<p><a id="done-link" href="/login">${escapeHtml(words.doneLink)}</a></p>
</div>
<section id="new-link" hidden>
<h2>${escapeHtml(t.newLinkHeading)}</h2>
${newLinkBlock(t, t.newLinkButton, captchaOn)}
</section>
</main>`;

/**
 * The pages a person reaches from a mail, or from "Forgot password?" on /login. Each is static:
 * it answers the same whatever the token, so opening a link (or a mail scanner fetching it) spends
 * nothing; the token is sent only by the page's PUT, in its body, and never logged (access lines
 * name the route, never the query).
 */
export function passwordPageRoutes(accounts: Accounts, routes: Routes): void {
  const service = () => accounts.serviceName();
  const linkPage = (path: string, summary: string, words: (t: Texts) => Words) =>
    routes.add(
      'get',
      path,
      {
        policy: 'public',
        tag,
        summary,
        query: linkQuery,
        responses: html,
        description:
          'A page for people: it reads `token` in the browser and sends it in the body of `PUT /api/v1/auth/reset-password`. Answered with `Referrer-Policy: no-referrer`.',
      },
      (_input, req, res) => {
        const m = messagesFor(req.headers['accept-language']);
        const page = words(m.passwords);
        sendPage(res, {
          title: `${page.title} · ${service()}`,
          body: passwordPage(m.passwords, page, service(), accounts.captchaWidget() !== null),
          script: newLinkScript(m) + RESET_SCRIPT,
        });
      },
    );

  linkPage(MAIL_PAGES.resetPassword, 'The page a password-reset mail links to: choose a new password', (t) => t.reset);
  linkPage(
    MAIL_PAGES.setPassword,
    "The page an admin-made account's mail links to: choose its first password",
    (t) => t.set,
  );

  routes.add(
    'get',
    MAIL_PAGES.forgotPassword,
    {
      policy: 'public',
      tag,
      summary: 'A page for people that mails a password-reset link',
      responses: html,
      description:
        'Sends the address to `POST /api/v1/auth/reset-password` (per-IP limited there); the answer is the same whether or not the address has an account.',
    },
    (_input, req, res) => {
      const m = messagesFor(req.headers['accept-language']);
      const t = m.passwords;
      sendPage(res, {
        title: `${t.forgot.title} · ${service()}`,
        script: newLinkScript(m),
        ...captchaAsset(accounts.captchaWidget()),
        body: `<main id="forgot-page" class="narrow" data-api="/api/v1" data-reset-minutes="${RESET_MINUTES}">
<h1>${escapeHtml(t.forgot.title)}</h1>
<p>${escapeHtml(t.forgot.intro(service()))}</p>
${needsScript(t)}
<section>
${newLinkForm(t, t.forgot.button)}
</section>
<p><a id="back-to-login" href="/login">${escapeHtml(t.forgot.back)}</a></p>
${captchaPanel(accounts.captchaWidget())}
</main>`,
      });
    },
  );
}
