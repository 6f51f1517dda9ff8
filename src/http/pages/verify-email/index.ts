import type { Accounts } from '../../../accounts/index.js';
import type { Routes } from '../../auth.js';
import { type Messages, messagesFor } from '../../messages/index.js';
import { escapeHtml, sendPage } from '../../page.js';
import { coreScript } from '../shared.js';

/**
 * /verify-email: the verification mail carries a 6-digit code and its `otp_session`, no link (see
 * src/mail/templates.ts), so this page is where a person enters the code. Signed in (the browser
 * session), it mails the code itself (`POST /auth/me/send-otp`, with the CSRF double submit);
 * signed out, the code and the mail's otp_session can still be entered (`POST /auth/verify-otp` is public).
 */
const SCRIPT = String.raw`
let otpSession = '';
const refresh = async () => {
  const me = await whoAmI();
  $('signed-out').hidden = Boolean(me);
  $('send-form').hidden = !me || !me.email || me.email_verified;
  $('session-field').open = !me;
  if (me && !me.email) show('verify-status', T.noEmail);
  else if (me && me.email_verified) { $('code-form').hidden = true; show('verify-status', fmt(T.already, { email: me.email })); }
  return me;
};
let me = null;
refresh().then((found) => { me = found; });
$('send-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  show('verify-error', '');
  const response = await post('/auth/me/send-otp').catch(() => null);
  if (!response) return show('verify-error', T.common.unreachable);
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) return show('verify-error', answer.detail || T.common.failed);
  otpSession = answer.otp_session;
  show('verify-status', fmt(T.sentTo, { email: me ? me.email : '' }));
  $('code').focus();
});
$('code-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  show('verify-error', '');
  const session = otpSession || $('otp-session').value.trim();
  if (!session) return show('verify-error', T.noSession);
  const response = await post('/auth/verify-otp', { otp: $('code').value.trim(), otp_session: session }).catch(() => null);
  if (!response) return show('verify-error', T.common.unreachable);
  const answer = await response.json().catch(() => ({}));
  if (response.ok) {
    $('code-form').hidden = true;
    $('send-form').hidden = true;
    return show('verify-status', T.verified);
  }
  if (answer.code === 'invalid_credentials' || answer.code === 'validation_failed') return show('verify-error', T.wrongCode);
  if (answer.code === 'challenge_expired' || answer.code === 'challenge_used' || answer.code === 'not_found') return show('verify-error', T.expired);
  show('verify-error', answer.detail || T.common.failed);
});
`;

const body = (m: Messages, service: string) => {
  const t = m.verifyEmail;
  return `<main id="verify-email-page" class="narrow" data-api="/api/v1">
<h1>${escapeHtml(t.title)}</h1>
<p>${escapeHtml(t.intro)} (${escapeHtml(service)})</p>
<noscript><p class="notice">${escapeHtml(m.common.needsScript)}</p></noscript>
<p id="signed-out" class="notice" hidden>${escapeHtml(t.signedOut)} <a href="/login">${escapeHtml(t.signInLink)}</a></p>
<p id="verify-status" class="success" role="status" hidden></p>
<section>
<form id="send-form" hidden>
<button id="send-code" type="submit">${escapeHtml(t.send)}</button>
</form>
<form id="code-form">
<label for="code">${escapeHtml(t.codeLabel)}</label>
<input id="code" name="otp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
<details id="session-field"><summary>otp_session</summary>
<label for="otp-session">${escapeHtml(t.sessionLabel)}</label>
<input id="otp-session" name="otp_session" autocomplete="off" maxlength="36">
</details>
<button id="verify" type="submit">${escapeHtml(t.verify)}</button>
<p id="verify-error" class="error" role="alert" hidden></p>
</form>
</section>
</main>`;
};

export function verifyEmailPageRoutes(accounts: Accounts, pages: Routes): void {
  pages.add(
    'get',
    '/verify-email',
    {
      policy: 'public',
      tag: 'Pages',
      summary: "A page for people that verifies the account's email address with the mailed code",
      description:
        'Signed in with a browser session it mails the code (`POST /api/v1/auth/me/send-otp`); the code goes to `POST /api/v1/auth/verify-otp`.',
      responses: { 200: { description: 'The page', contentType: 'text/html' } },
    },
    (_input, req, res) => {
      const m = messagesFor(req.headers['accept-language']);
      sendPage(res, {
        title: `${m.verifyEmail.title} · ${accounts.serviceName()}`,
        script: coreScript(m.verifyEmail.script, m.common) + SCRIPT,
        body: body(m, accounts.serviceName()),
      });
    },
  );
}
