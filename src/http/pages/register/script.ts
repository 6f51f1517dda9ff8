import type { Messages } from '../../messages/index.js';
import { CAPTCHA_SCRIPT } from '../../routes/captcha-widget.js';
import { coreScript } from '../shared.js';

/**
 * /register's script. The meter asks the service itself (`POST /auth/password-strength`, the same
 * zxcvbn-ts setup and PASSWORD_MIN_SCORE registration applies), a moment after the typing stops,
 * with the username and address as the account words they become. Signing up asks for a browser
 * session (`?session=cookie`); the server's refusal is shown in words.
 */
const REGISTER_SCRIPT = String.raw`
let timer = null;
let asked = 0;
async function meter() {
  const password = $('password').value;
  const mine = ++asked;
  if (!password) { $('strength-meter').value = 0; return show('strength-text', ''); }
  show('strength-text', T.checking);
  const response = await post('/auth/password-strength', { password, username: $('username').value, email: $('email').value }).catch(() => null);
  if (mine !== asked) return;
  if (!response || !response.ok) return show('strength-text', '');
  const verdict = await response.json();
  $('strength-meter').value = verdict.score;
  const level = T.levels[verdict.score];
  const words = [fmt(verdict.strong ? T.strongEnough : T.notStrongEnough, { level })];
  if (!verdict.strong) words.push(verdict.warning || '', ...(verdict.suggestions || []));
  $('strength-meter').dataset.strong = String(verdict.strong);
  show('strength-text', words.filter(Boolean).join(' '));
}
const later = () => { clearTimeout(timer); timer = setTimeout(meter, 300); };
for (const id of ['password', 'username', 'email']) $(id).addEventListener('input', () => { if ($('password').value || id === 'password') later(); });

$('register-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  show('register-error', '');
  // Solved first when a CAPTCHA is on, so that the sign-up is sent once.
  if (captchaOn() && !captcha.token && askCaptcha(() => $('register-form').requestSubmit())) return show('register-error', T.captchaAsk);
  const body = { username: $('username').value.trim(), password: $('password').value };
  if ($('email').value.trim()) body.email = $('email').value.trim();
  if ($('invite') && $('invite').value.trim()) body.referrer_token = $('invite').value.trim();
  $('register-submit').disabled = true;
  const response = await post('/auth/register?session=cookie', withCaptcha(body)).catch(() => null);
  $('register-submit').disabled = false;
  if (!response) return show('register-error', T.common.unreachable);
  const answer = await response.json().catch(() => ({}));
  if (response.ok) {
    // Signed up and signed in: on to where the sign-up was asked for from, as /login does.
    if ($('register').dataset.redirect) return void location.assign($('register').dataset.redirect);
    $('register-panel').hidden = true;
    $('have-account').hidden = true;
    $('signed-in-actions').hidden = false;
    $('verify-email').hidden = !body.email;
    return show('success', fmt(T.common.signedInAs, { name: body.username }));
  }
  if (isCaptchaAnswer(answer) && askCaptcha(() => $('register-form').requestSubmit())) return show('register-error', T.captchaAsk);
  const issues = (answer.issues || []).map((i) => (i.path && i.path !== 'password' ? i.path + ': ' : '') + i.message).join(' ');
  if (answer.code === 'password_too_weak' || answer.code === 'password_breached') { $('password').focus(); return show('register-error', T.tooWeak + ' ' + (issues || answer.detail)); }
  if (answer.code === 'invite_required') return show('register-error', T.inviteNeeded + ' ' + (answer.detail || ''));
  if (response.status === 409) return show('register-error', T.taken);
  show('register-error', [answer.detail, answer.code === 'validation_failed' ? issues : ''].filter(Boolean).join(': ') || T.common.failed);
});
// The invite code came in the address: it leaves the address bar (the field keeps it); a redirect_uri stays.
const query = new URLSearchParams(location.search);
if (query.has('invite')) {
  query.delete('invite');
  history.replaceState(null, '', location.pathname + (query.size ? '?' + query : ''));
}
`;

export const registerScript = (m: Messages): string =>
  CAPTCHA_SCRIPT + coreScript(m.register.script, m.common) + REGISTER_SCRIPT;

/** The closed page has no form: only the common helpers (nothing to run). */
export const closedScript = (m: Messages): string => coreScript({}, m.common);
