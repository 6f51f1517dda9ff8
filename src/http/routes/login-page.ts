import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RequestHandler } from 'express';
import QRCode from 'qrcode';
import type { Accounts } from '../../accounts/index.js';
import type { LoginUseCases } from '../../login-methods/index.js';
import { requestInfo, type Routes } from '../auth.js';
import { z } from 'zod';
import { redirectAllowed } from '../../login-methods/oauth/oauth.js';
import { escapeHtml, sendPage } from '../page.js';
import { isDomainError } from '../../../domain/shared/errors.js';
import { CAPTCHA_SCRIPT, captchaAsset, captchaPanel } from './captcha-widget.js';

const pageQuery = z.strictObject({
  redirect_uri: z.string().max(2048).optional(),
  captcha_token: z
    .string()
    .max(4096)
    .optional()
    .describe('With a CAPTCHA on: a solved token, so that the LNURL code of the page may make an account'),
});

/** @simplewebauthn/browser's own bundle (a global `SimpleWebAuthnBrowser`), served from here: no CDN. */
const WEBAUTHN_ASSET = '/assets/simplewebauthn-browser.js';
const webauthnBundle = () => {
  // The package exports no path to its bundle: it lies beside its entry point's folder.
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return readFileSync(join(dirname(dirname(entry)), 'dist', 'bundle', 'index.umd.min.js'));
};

/**
 * The page's script: the password form posts to the API, a TOTP field appears when the answer
 * asks for a code, the LNURL-auth k1 is polled until a wallet signs it, and passkeys sign in (a
 * button, or autofill in the username field) and sign up. Logins ask for a
 * browser session (`?session=cookie`): the token never has to live in the page's JavaScript.
 * Once signed in, the page goes to the allow-listed redirect, or shows who signed in.
 */
const SCRIPT =
  CAPTCHA_SCRIPT +
  String.raw`
const $ = (id) => document.getElementById(id);
const api = $('login').dataset.api;
const k1 = $('lnurl').dataset.k1;
const redirect = $('login').dataset.redirect;
let done = false;
const show = (id, text) => { const el = $(id); el.textContent = text; el.hidden = !text; };
async function signedIn() {
  done = true;
  if (redirect) return void window.location.assign(redirect);
  const me = await fetch(api + '/auth', { credentials: 'same-origin' }).then((r) => r.json());
  if (me.must_reset_password) { $('panels').hidden = true; return show('success', 'Signed in as ' + me.username + '. Choose a new password before you go on (PUT /api/v1/auth/update-password).'); }
  $('panels').hidden = true;
  show('success', 'Signed in as ' + me.username + '.');
}
$('password-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  show('password-error', '');
  const body = { username: $('username').value, password: $('password').value };
  if ($('totp-field').hidden === false && $('totp').value) body.totp_code = $('totp').value;
  const response = await fetch(api + '/auth?session=cookie', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(withCaptcha(body)) });
  const answer = await response.json();
  if (response.ok) return signedIn();
  if (isCaptchaAnswer(answer) && askCaptcha(() => $('password-form').requestSubmit()))
    return show('password-error', 'Too many failed sign-ins for this name: show that you are a person below, and it signs in.');
  if (answer.code === 'totp_required') { $('totp-field').hidden = false; $('totp').focus(); return show('password-error', 'Enter the code from your authenticator app.'); }
  if (answer.code === 'password_reset_required') return show('password-error', 'A sign-in to this account was reported as not its owner: choose a new password first ("Forgot password?" mails you a link).');
  show('password-error', answer.detail || 'Sign-in failed.');
});
let lnurlCode = '';
$('lnurl-totp-form').addEventListener('submit', (event) => { event.preventDefault(); lnurlCode = $('lnurl-totp').value; poll(); });
async function poll() {
  if (done) return;
  const response = await fetch(api + '/auth/lnurl/' + k1 + '?session=cookie' + (lnurlCode ? '&totp_code=' + encodeURIComponent(lnurlCode) : ''));
  if (response.status === 202) return void setTimeout(poll, 1000);
  const answer = await response.json();
  if (response.ok) return signedIn();
  if (answer.code === 'totp_required') { $('lnurl-totp-form').hidden = false; return show('lnurl-status', 'Wallet signed. Enter the code from your authenticator app.'); }
  show('lnurl-status', answer.code === 'challenge_expired' || answer.code === 'challenge_used' ? 'This code has expired: reload the page for a new one.' : (answer.detail || 'Sign-in failed.'));
}
setTimeout(poll, 1000);
// With a CAPTCHA on, a wallet signs up with a code made after one was solved: the page comes back with it.
if ($('lnurl-sign-up')) $('lnurl-sign-up').addEventListener('click', () => askCaptcha(() => {
  const query = new URLSearchParams(location.search);
  query.set('captcha_token', withCaptcha({}).captcha_token);
  location.assign(location.pathname + '?' + query);
}));
// The token is spent by now: it leaves the address bar.
if (new URLSearchParams(location.search).has('captcha_token')) {
  const query = new URLSearchParams(location.search);
  query.delete('captcha_token');
  history.replaceState(null, '', location.pathname + (query.size ? '?' + query : ''));
}

// Passkeys, through @simplewebauthn/browser: a button, autofill in the username field, and sign-up.
const webauthn = window.SimpleWebAuthnBrowser;
const post = (path, body) => fetch(api + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) });
async function passkeySignIn(autofill) {
  const options = await post('/auth/passkeys/authentication/options').then((r) => r.json());
  let response;
  try {
    response = await webauthn.startAuthentication({ optionsJSON: options, useBrowserAutofill: autofill });
  } catch (error) {
    if (!autofill) show('passkey-status', 'No passkey was used.');
    return;
  }
  const body = { response };
  if ($('passkey-totp-field').hidden === false && $('passkey-totp').value) body.totp_code = $('passkey-totp').value;
  const answer = await post('/auth/passkeys/authentication?session=cookie', body);
  if (answer.ok) return signedIn();
  const refusal = await answer.json();
  if (refusal.code === 'totp_required') { $('passkey-totp-field').hidden = false; return show('passkey-status', 'Enter the code from your authenticator app, then use your passkey again.'); }
  show('passkey-status', refusal.detail || 'Sign-in failed.');
}
if (webauthn && webauthn.browserSupportsWebAuthn()) {
  $('passkey-sign-in').addEventListener('click', () => passkeySignIn(false));
  webauthn.browserSupportsWebAuthnAutofill().then((yes) => { if (yes) passkeySignIn(true); });
  $('passkey-sign-up-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    show('passkey-status', '');
    // Making an account needs the CAPTCHA when one is on: solved first, so the passkey is made once.
    if (captchaOn() && !captcha.token && askCaptcha(() => $('passkey-sign-up-form').requestSubmit()))
      return show('passkey-status', 'Show that you are a person below; then your passkey is made.');
    const wanted = { username: $('new-username').value };
    if ($('new-email').value) wanted.email = $('new-email').value;
    const optionsAnswer = await post('/auth/passkeys/sign-up/options', wanted);
    const options = await optionsAnswer.json();
    if (!optionsAnswer.ok) return show('passkey-status', options.detail || 'Sign-up failed.');
    let response;
    try { response = await webauthn.startRegistration({ optionsJSON: options }); } catch (error) { return show('passkey-status', 'No passkey was made.'); }
    const made = await post('/auth/passkeys/sign-up?session=cookie', withCaptcha({ response }));
    if (made.ok) return signedIn();
    show('passkey-status', (await made.json()).detail || 'Sign-up failed.');
  });
} else {
  $('passkey-panel').hidden = true;
}
`;

const STYLE = `
#panels { display: flex; gap: 1.5rem; flex-wrap: wrap; }
.qr svg { width: 240px; height: 240px; display: block; margin: .5rem auto; }
`;

/** GET /login: a sign-in page for people, served by the service itself (no build step, no outside assets). */
export function loginPageRoutes(
  accounts: Accounts,
  routes: Routes,
  limit: RequestHandler,
  startLnurl: LoginUseCases['startLnurl'],
): void {
  // Every mail names PUBLIC_URL as its sender, and mail readers make it a link: it must lead somewhere.
  routes.add(
    'get',
    '/',
    {
      policy: 'public',
      tag: 'Pages',
      summary: "The service's own address: sends a person to the sign-in page",
      responses: { 302: { description: 'To /login', headers: ['Location'] } },
    },
    (_input, _req, res) => {
      res.redirect(302, '/login');
    },
  );

  const bundle = webauthnBundle();
  routes.add(
    'get',
    WEBAUTHN_ASSET,
    {
      policy: 'public',
      tag: 'Pages',
      summary: "The sign-in page's WebAuthn helper (@simplewebauthn/browser), served by the service itself",
      responses: { 200: { description: 'The script', contentType: 'text/javascript' } },
    },
    (_input, _req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=86400');
      res.type('text/javascript').send(bundle);
    },
  );

  // Public, and limited per IP: each view issues a fresh LNURL-auth k1.
  routes.add(
    'get',
    '/login',
    {
      policy: 'public',
      tag: 'Pages',
      summary: 'A sign-in page for people (password, passkey and LNURL-auth)',
      query: pageQuery,
      description:
        'Signs in with a browser session (cookie); afterwards it goes to `redirect_uri` when that is on ALLOWED_REDIRECTS.',
      responses: { 200: { description: 'The page', contentType: 'text/html' } },
      errors: [429],
    },
    limit,
    async ({ query: { redirect_uri, captcha_token } }, req, res) => {
      const redirect = redirect_uri && redirectAllowed(redirect_uri, accounts.allowedRedirects()) ? redirect_uri : null;
      // With a CAPTCHA on, a wallet may make an account only through a k1 issued after one was
      // solved: the page reloads itself with the token (see the script). A refused token gives the
      // page as without one, and the button to try again.
      const widget = accounts.captchaWidget();
      const info = { ...requestInfo(req), captchaToken: widget ? (captcha_token ?? null) : null };
      let solved = false;
      const { lnurl, k1 } = await startLnurl('login', null, info).then(
        (started) => {
          solved = info.captchaToken !== null;
          return started;
        },
        (error: unknown) => {
          if (isDomainError(error) && (error.code === 'captcha_invalid' || error.code === 'captcha_required'))
            return startLnurl('login', null, { ...info, captchaToken: null });
          throw error;
        },
      );
      const link = `lightning:${lnurl}`;
      const qr = await QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      const serviceName = escapeHtml(accounts.serviceName());
      sendPage(res, {
        title: `Sign in · ${accounts.serviceName()}`,
        style: STYLE,
        script: SCRIPT,
        dataImages: true,
        assets: [WEBAUTHN_ASSET],
        ...captchaAsset(accounts.captchaWidget()),
        body: `<main id="login" data-api="/api/v1"${redirect ? ` data-redirect="${escapeHtml(redirect)}"` : ''}>
<h1>Sign in to ${serviceName}</h1>${redirect_uri && !redirect ? '\n<p id="redirect-refused" class="error" role="alert">This page will not send you back to that address: it is not on the list of allowed redirects.</p>' : ''}
<p id="success" class="success" role="status" hidden></p>
<div id="panels">
<section>
<h2>Username and password</h2>
<form id="password-form" autocomplete="on">
<label for="username">Username or email</label>
<input id="username" name="username" autocomplete="username webauthn" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<div id="totp-field" hidden>
<label for="totp">Two-factor code</label>
<input id="totp" name="totp_code" inputmode="numeric" autocomplete="one-time-code">
</div>
<button type="submit">Sign in</button>
<p id="password-error" class="error" role="alert" hidden></p>
</form>
<p><a id="forgot-password" href="/forgot-password">Forgot password?</a></p>
</section>
<section id="passkey-panel">
<h2>Passkey</h2>
<p>Use the passkey on this device, your phone or your password manager: no password to type.</p>
<button id="passkey-sign-in" type="button">Sign in with a passkey</button>
<div id="passkey-totp-field" hidden>
<label for="passkey-totp">Two-factor code</label>
<input id="passkey-totp" inputmode="numeric" autocomplete="one-time-code">
</div>
<p id="passkey-status" role="status" hidden></p>
<details id="passkey-sign-up"><summary>New here? Make an account with a passkey</summary>
<form id="passkey-sign-up-form">
<label for="new-username">Username</label>
<input id="new-username" name="new-username" autocomplete="off" required minlength="3" maxlength="32">
<label for="new-email">Email (optional)</label>
<input id="new-email" name="new-email" type="email" autocomplete="email">
<button type="submit">Make my account with a passkey</button>
</form>
</details>
</section>
<section id="lnurl" data-k1="${k1}">
<h2>Lightning wallet</h2>
<p>Scan with a wallet that supports LNURL-auth, or <a id="lightning-link" href="${escapeHtml(link)}">open it in your wallet</a>.</p>
<div class="qr">${qr}</div>
<p id="lnurl-status" role="status" hidden></p>
<form id="lnurl-totp-form" hidden>
<label for="lnurl-totp">Two-factor code</label>
<input id="lnurl-totp" inputmode="numeric" autocomplete="one-time-code">
<button type="submit">Continue</button>
</form>
<details><summary>LNURL</summary><code id="lnurl-text">${escapeHtml(lnurl)}</code></details>${
          widget && !solved
            ? '\n<p id="lnurl-captcha">New here? <button id="lnurl-sign-up" type="button">Sign up with a wallet</button></p>'
            : ''
        }
</section>
</div>
${captchaPanel(accounts.captchaWidget())}
</main>`,
      });
    },
  );
}
