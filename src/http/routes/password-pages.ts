import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { CHALLENGE_TTL_MS } from '../../../domain/challenge/decider.js';
import { MAIL_PAGES } from '../../mail/templates.js';
import type { Routes } from '../auth.js';
import { escapeHtml, sendPage } from '../page.js';
import { NEW_LINK_SCRIPT, RESET_SCRIPT } from './password-scripts.js';
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

/** What differs between the page of a reset mail and the page of an admin-made account's mail. */
interface Words {
  title: string;
  intro: string;
  button: string;
  done: string;
  doneLink: string;
}

/** The form that mails a new reset link (`POST /auth/reset-password`), on every password page. */
export const newLinkForm = (button: string) => `<form id="new-link-form">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" maxlength="254" required>
<button id="new-link-submit" type="submit">${button}</button>
<p id="new-link-status" class="success" role="status" hidden></p>
<p id="new-link-error" class="error" role="alert" hidden></p>
</form>`;

const NEEDS_SCRIPT = '<noscript><p class="notice">This page needs JavaScript.</p></noscript>';

/**
 * The new-link form, or with a CAPTCHA on a link to /forgot-password, which shows the widget: a
 * page that holds a secret link never loads a third party's script.
 */
export const newLinkBlock = (button: string, captchaOn: boolean) =>
  captchaOn
    ? '<p><a id="new-link-page" href="/forgot-password">Ask for a new link</a> (that page asks you to show that you are a person first).</p>'
    : newLinkForm(button);

/** The page a mail's link opens: the new password twice, the answer in words, a new link when this one will not do. */
const passwordPage = (
  words: Words,
  captchaOn: boolean,
) => `<main id="password-page" class="narrow" data-api="/api/v1" data-reset-minutes="${RESET_MINUTES}">
<h1>${escapeHtml(words.title)}</h1>
<p id="intro">${escapeHtml(words.intro)}</p>
${NEEDS_SCRIPT}
<p id="link-problem" class="notice" role="alert" hidden></p>
<section id="password-panel">
<form id="password-form">
<label for="new-password">New password</label>
<input id="new-password" name="new_password" type="password" autocomplete="new-password" minlength="8" maxlength="128" required aria-describedby="password-hint">
<p id="password-hint" class="hint">8 to 128 characters, and not a common or easily guessed one.</p>
<label for="confirm-password">The same password again</label>
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
<h2>Send a new link</h2>
${newLinkBlock('Send a new link', captchaOn)}
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
  const linkPage = (path: string, summary: string, words: () => Words) =>
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
      (_input, _req, res) => {
        const page = words();
        sendPage(res, {
          title: `${page.title} · ${service()}`,
          body: passwordPage(page, accounts.captchaWidget() !== null),
          script: NEW_LINK_SCRIPT + RESET_SCRIPT,
        });
      },
    );

  linkPage(MAIL_PAGES.resetPassword, 'The page a password-reset mail links to: choose a new password', () => ({
    title: 'Choose a new password',
    intro: `For your account at ${service()}. Setting it signs you out everywhere and ends your API keys, ACL tokens and user key.`,
    button: 'Set the new password',
    done: 'Your new password is set. Every session, API key and ACL token of your account has ended, and its user key was replaced.',
    doneLink: 'Sign in with it',
  }));

  linkPage(MAIL_PAGES.setPassword, "The page an admin-made account's mail links to: choose its first password", () => ({
    title: 'Choose your password',
    intro: `An administrator made you an account at ${service()}. Choose the password you will sign in with; your username is in the mail.`,
    button: 'Set my password',
    done: 'Your password is set.',
    doneLink: 'Sign in',
  }));

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
    (_input, _req, res) => {
      sendPage(res, {
        title: `Forgot your password? · ${service()}`,
        script: NEW_LINK_SCRIPT,
        ...captchaAsset(accounts.captchaWidget()),
        body: `<main id="forgot-page" class="narrow" data-api="/api/v1" data-reset-minutes="${RESET_MINUTES}">
<h1>Forgot your password?</h1>
<p>Enter the email address of your ${escapeHtml(service())} account. If an account has it, we mail it a link to choose a new password.</p>
${NEEDS_SCRIPT}
<section>
${newLinkForm('Mail me a link')}
</section>
<p><a id="back-to-login" href="/login">Back to sign in</a></p>
${captchaPanel(accounts.captchaWidget())}
</main>`,
      });
    },
  );
}
