import type { Messages } from '../../messages/index.js';
import { CAPTCHA_SCRIPT } from '../../routes/captcha-widget.js';
import { coreScript } from '../shared.js';
import { EMAIL_CODE_SCRIPT, NOSTR_SCRIPT } from './script-more.js';
import { PASSKEY_SCRIPT } from './script-passkey.js';

/**
 * The sign-in and the two ways in the page has always had: the password form (a TOTP field appears
 * when the answer asks for a code) and LNURL-auth (the k1 is polled until a wallet signs it).
 * Every login asks for a browser session (`?session=cookie`): the token never has to live in the
 * page's JavaScript. Once signed in, the page goes to the allow-listed redirect, or shows who
 * signed in. Each way in's part of the script runs only when its panel is on the page.
 */
const LOGIN_SCRIPT = String.raw`
const redirect = $('login').dataset.redirect;
let done = false;
async function signedIn() {
  done = true;
  if (redirect) return void window.location.assign(redirect);
  const me = await whoAmI();
  $('panels').hidden = true;
  if ($('create-account')) $('create-account').hidden = true;
  $('signed-in-actions').hidden = false;
  show('success', fmt(me && me.must_reset_password ? T.mustReset : T.common.signedInAs, { name: me ? me.username : '' }));
}
/** Sends a sign-in; on a second-factor request shows the field (TOTP or backup code) and says so. */
async function signIn(path, body, ids) {
  const totp = $(ids.totp);
  if (totp && !totp.parentElement.hidden && totp.value) body.totp_code = totp.value;
  let response;
  try {
    response = await post(path + '?session=cookie', withCaptcha(body));
  } catch {
    show(ids.error, T.common.unreachable);
    return null;
  }
  const answer = await response.json().catch(() => ({}));
  if (response.ok) { signedIn(); return null; }
  if (answer.code === 'totp_required' && totp) {
    totp.parentElement.hidden = false;
    totp.focus();
    show(ids.error, T.common.totpNeeded);
    return null;
  }
  return answer;
}
const BACKUP_CODE = /^[a-z2-7]{4}-?[a-z2-7]{4}-?[a-z2-7]{4}-?[a-z2-7]{4}$/i;
async function recover(body) {
  let response;
  try {
    response = await post('/auth/totp/recover?session=cookie', withCaptcha(body));
  } catch {
    show('password-error', T.common.unreachable);
    return null;
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) return answer;
  done = true;
  const me = await whoAmI();
  $('panels').hidden = true;
  if ($('create-account')) $('create-account').hidden = true;
  $('signed-in-actions').hidden = false;
  show('success', fmt(T.recovered, { name: me ? me.username : '' }));
  // The notice is read before going on: the redirect becomes a link instead of a jump.
  if (redirect) {
    const next = document.createElement('a');
    next.id = 'continue';
    next.href = redirect;
    next.textContent = T.continueOn;
    $('signed-in-actions').append(' ', next);
  }
  return null;
}
if ($('password-form')) $('password-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  show('password-error', '');
  const credentials = { username: $('username').value, password: $('password').value };
  // A backup code is not a sign-in's second factor: it signs in through the recovery route, which
  // spends it and turns two-factor sign-in off (the page says so).
  const code = $('totp').value.trim();
  const answer = !$('totp-field').hidden && BACKUP_CODE.test(code)
    ? await recover({ ...credentials, backup_code: code })
    : await signIn('/auth', credentials, { totp: 'totp', error: 'password-error' });
  if (!answer) return;
  if (isCaptchaAnswer(answer) && askCaptcha(() => $('password-form').requestSubmit())) return show('password-error', T.captchaSignIn);
  if (answer.code === 'password_reset_required') return show('password-error', T.resetRequired);
  show('password-error', answer.detail || T.signInFailed);
});

// An OAuth sign-in that waits for the two-factor code: the code finishes its state. The state
// leaves the address bar at once (the form keeps it).
if ($('oauth-totp-form')) {
  const form = $('oauth-totp-form');
  const query = new URLSearchParams(location.search);
  query.delete('oauth_provider');
  query.delete('oauth_state');
  history.replaceState(null, '', location.pathname + (query.size ? '?' + query : ''));
  $('oauth-totp').focus();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    show('oauth-totp-error', '');
    const answer = await signIn('/auth/' + encodeURIComponent(form.dataset.provider) + '/token', { state: form.dataset.state }, { totp: 'oauth-totp', error: 'oauth-totp-error' });
    if (!answer) return;
    // A refused code spends the sign-in's state: the form is done, the provider's button starts anew.
    $('oauth-totp').disabled = true;
    form.querySelector('button[type=submit]').disabled = true;
    show('oauth-totp-error', (answer.detail || T.signInFailed) + ' ' + T.oauthStartAgain);
  });
}

let lnurlCode = '';
const k1 = $('lnurl') ? $('lnurl').dataset.k1 : '';
async function poll() {
  if (done) return;
  const response = await fetch(API + '/auth/lnurl/' + k1 + '?session=cookie' + (lnurlCode ? '&totp_code=' + encodeURIComponent(lnurlCode) : ''));
  if (response.status === 202) return void setTimeout(poll, 1000);
  const answer = await response.json();
  if (response.ok) return signedIn();
  if (answer.code === 'totp_required') { $('lnurl-totp-form').hidden = false; return show('lnurl-status', T.lnurlTotp); }
  show('lnurl-status', answer.code === 'challenge_expired' || answer.code === 'challenge_used' ? T.lnurlExpired : (answer.detail || T.signInFailed));
}
if (k1) {
  $('lnurl-totp-form').addEventListener('submit', (event) => { event.preventDefault(); lnurlCode = $('lnurl-totp').value; poll(); });
  setTimeout(poll, 1000);
}
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
`;

/** The whole script of /login, with its texts. */
export const loginScript = (m: Messages): string =>
  CAPTCHA_SCRIPT +
  coreScript(m.login.script, m.common) +
  LOGIN_SCRIPT +
  PASSKEY_SCRIPT +
  EMAIL_CODE_SCRIPT +
  NOSTR_SCRIPT;
