import type { Messages } from '../../messages/index.js';
import { escapeHtml } from '../../page.js';
import { providerName, signedInBlock, withRedirect } from '../shared.js';

/** What the /login page shows: the ways in that are on, and what the request asked for. */
export interface LoginView {
  service: string;
  methods: readonly string[];
  registration: 'open' | 'invite' | 'closed';
  redirect: string | null;
  /** /account on PUBLIC_URL: where an OAuth sign-in without a redirect of its own ends. */
  accountPage: string;
  redirectRefused: boolean;
  /** An OAuth sign-in from the pages that waits for the account's two-factor code, or null. */
  oauthTotp: { provider: string; state: string } | null;
  lnurl: { lnurl: string; k1: string; link: string; qr: string } | null;
  /** A CAPTCHA is on and no solved one came with this page: the wallet sign-up button is shown. */
  lnurlSignUp: boolean;
  nostrUrl: string;
  captcha: string;
}

const on = (view: LoginView, method: string) => view.methods.includes(method);

/**
 * The two-factor code a way in asks for after its first step (hidden until the answer is
 * totp_required): `#{id}` in `#{id}-field`. Only the password form also takes a backup code (it
 * signs in through the recovery route, see script.ts), so only it allows letters and says so.
 */
const secondFactorField = (t: Messages['login'], id: string, options: { backupCodes?: boolean } = {}) => {
  const input = options.backupCodes
    ? `autocapitalize="off" spellcheck="false" aria-describedby="${id}-hint"`
    : 'inputmode="numeric"';
  const hint = options.backupCodes ? `\n<p id="${id}-hint" class="hint">${escapeHtml(t.totpHint)}</p>` : '';
  return `<div id="${id}-field" hidden>
<label for="${id}">${escapeHtml(t.totpLabel)}</label>
<input id="${id}" name="totp_code" ${input} autocomplete="one-time-code">${hint}
</div>`;
};

const passwordPanel = (t: Messages['login']) => `<section id="password-panel">
<h2>${escapeHtml(t.passwordHeading)}</h2>
<form id="password-form" autocomplete="on">
<label for="username">${escapeHtml(t.usernameLabel)}</label>
<input id="username" name="username" autocomplete="username webauthn" required>
<label for="password">${escapeHtml(t.passwordLabel)}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
${secondFactorField(t, 'totp', { backupCodes: true })}
<button type="submit">${escapeHtml(t.signIn)}</button>
<p id="password-error" class="error" role="alert" hidden></p>
</form>
<p><a id="forgot-password" href="/forgot-password">${escapeHtml(t.forgotPassword)}</a></p>
</section>`;

const emailCodePanel = (t: Messages['login']) => `<section id="email-code-panel">
<h2>${escapeHtml(t.emailCodeHeading)}</h2>
<p>${escapeHtml(t.emailCodeIntro)}</p>
<form id="send-code-form">
<label for="code-email">${escapeHtml(t.emailLabel)}</label>
<input id="code-email" name="email" type="email" autocomplete="email" maxlength="254" required>
<button id="send-code" type="submit">${escapeHtml(t.sendCode)}</button>
</form>
<form id="verify-code-form" hidden>
<label for="email-code">${escapeHtml(t.codeLabel)}</label>
<input id="email-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
${secondFactorField(t, 'code-totp')}
<button id="verify-code" type="submit">${escapeHtml(t.useCode)}</button>
<button id="other-address" class="secondary" type="button">${escapeHtml(t.otherAddress)}</button>
</form>
<p id="email-code-status" role="status" hidden></p>
<p id="email-code-error" class="error" role="alert" hidden></p>
</section>`;

const passkeyPanel = (t: Messages['login']) => `<section id="passkey-panel">
<h2>${escapeHtml(t.passkeyHeading)}</h2>
<p>${escapeHtml(t.passkeyIntro)}</p>
<button id="passkey-sign-in" type="button">${escapeHtml(t.passkeySignIn)}</button>
${secondFactorField(t, 'passkey-totp')}
<p id="passkey-status" role="status" hidden></p>
<details id="passkey-sign-up"><summary>${escapeHtml(t.passkeySignUp)}</summary>
<form id="passkey-sign-up-form">
<label for="new-username">${escapeHtml(t.newUsername)}</label>
<input id="new-username" name="new-username" autocomplete="off" required minlength="3" maxlength="32">
<label for="new-email">${escapeHtml(t.newEmail)}</label>
<input id="new-email" name="new-email" type="email" autocomplete="email">
<button type="submit">${escapeHtml(t.passkeyMake)}</button>
</form>
</details>
</section>`;

const lnurlPanel = (
  t: Messages['login'],
  view: LoginView,
  ln: NonNullable<LoginView['lnurl']>,
) => `<section id="lnurl" data-k1="${ln.k1}">
<h2>${escapeHtml(t.lnurlHeading)}</h2>
<p>${escapeHtml(t.lnurlScan)} <a id="lightning-link" href="${escapeHtml(ln.link)}">${escapeHtml(t.lnurlOpen)}</a>.</p>
<div class="qr">${ln.qr}</div>
<p id="lnurl-status" role="status" hidden></p>
<form id="lnurl-totp-form" hidden>
<label for="lnurl-totp">${escapeHtml(t.totpLabel)}</label>
<input id="lnurl-totp" inputmode="numeric" autocomplete="one-time-code">
<button type="submit">${escapeHtml(t.continue)}</button>
</form>
<details><summary>LNURL</summary><code id="lnurl-text">${escapeHtml(ln.lnurl)}</code></details>${
  view.lnurlSignUp
    ? `\n<p id="lnurl-captcha">${escapeHtml(t.lnurlNew)} <button id="lnurl-sign-up" type="button">${escapeHtml(t.lnurlSignUp)}</button></p>`
    : ''
}
</section>`;

// Hidden until the script finds a NIP-07 extension (`window.nostr`): without one it cannot sign.
const nostrPanel = (
  t: Messages['login'],
  view: LoginView,
) => `<section id="nostr-panel" data-url="${escapeHtml(view.nostrUrl)}" hidden>
<h2>${escapeHtml(t.nostrHeading)}</h2>
<p>${escapeHtml(t.nostrIntro)}</p>
<button id="nostr-sign-in" type="button">${escapeHtml(t.nostrSignIn)}</button>
${secondFactorField(t, 'nostr-totp')}
<p id="nostr-status" role="status" hidden></p>
</section>`;

/**
 * One link per configured provider: the OAuth start route, which sends the browser to the
 * provider. It always names where to end (the redirect asked for, else /account), so that the
 * sign-in ends on a page and not on the API's JSON answer.
 */
const oauthPanel = (t: Messages['login'], view: LoginView, providers: string[]) => {
  const back = `?redirect_uri=${encodeURIComponent(view.redirect ?? view.accountPage)}`;
  const links = providers
    .map(
      (name) =>
        `<li><a class="button" id="oauth-${escapeHtml(name)}" href="/api/v1/auth/${escapeHtml(name)}${escapeHtml(back)}">${escapeHtml(t.oauthWith(providerName(name)))}</a></li>`,
    )
    .join('\n');
  return `<section id="oauth-panel">
<h2>${escapeHtml(t.oauthHeading)}</h2>
<ul class="plain">
${links}
</ul>
</section>`;
};

/**
 * The OAuth sign-in that came back asking for the two-factor code: the code finishes that same
 * state (`POST /auth/{provider}/token {state, totp_code}`), shown above every other way in.
 */
const oauthTotpPanel = (
  t: Messages['login'],
  flow: NonNullable<LoginView['oauthTotp']>,
) => `<section id="oauth-totp-panel">
<h2>${escapeHtml(t.oauthTotpHeading(providerName(flow.provider)))}</h2>
<form id="oauth-totp-form" data-provider="${escapeHtml(flow.provider)}" data-state="${escapeHtml(flow.state)}">
<label for="oauth-totp">${escapeHtml(t.totpLabel)}</label>
<input id="oauth-totp" name="totp_code" inputmode="numeric" autocomplete="one-time-code" required aria-describedby="oauth-totp-hint">
<p id="oauth-totp-hint" class="hint">${escapeHtml(t.oauthTotpHint)}</p>
<button type="submit">${escapeHtml(t.continue)}</button>
<p id="oauth-totp-error" class="error" role="alert" hidden></p>
</form>
</section>`;

/** The page's body: only the panels of the ways in that are on. */
export function loginBody(m: Messages, view: LoginView): string {
  const t = m.login;
  const providers = view.methods.filter((name) => name.startsWith('oauth:')).map((name) => name.slice(6));
  const panels = [
    view.oauthTotp ? oauthTotpPanel(t, view.oauthTotp) : '',
    on(view, 'password') ? passwordPanel(t) : '',
    on(view, 'email_code') ? emailCodePanel(t) : '',
    on(view, 'passkey') ? passkeyPanel(t) : '',
    on(view, 'nostr') ? nostrPanel(t, view) : '',
    providers.length ? oauthPanel(t, view, providers) : '',
    view.lnurl ? lnurlPanel(t, view, view.lnurl) : '',
  ].filter(Boolean);
  return `<main id="login" data-api="/api/v1"${view.redirect ? ` data-redirect="${escapeHtml(view.redirect)}"` : ''}>
<h1>${escapeHtml(m.common.serviceSignIn(view.service))}</h1>${view.redirectRefused ? `\n<p id="redirect-refused" class="error" role="alert">${escapeHtml(m.common.redirectRefused)}</p>` : ''}
<noscript><p class="notice">${escapeHtml(m.common.needsScript)}</p></noscript>
${signedInBlock(m.common)}
<div id="panels">
${panels.join('\n')}
</div>${
    view.registration !== 'closed'
      ? `\n<p id="create-account">${escapeHtml(t.noAccount)} <a id="register-link" href="${escapeHtml(withRedirect('/register', view.redirect))}">${escapeHtml(t.createAccount)}</a></p>`
      : ''
  }
${view.captcha}
</main>`;
}
