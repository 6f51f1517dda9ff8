import type { Messages } from '../messages/index.js';
import { scriptTexts } from '../pages/shared.js';
import { CAPTCHA_SCRIPT } from './captcha-widget.js';

/**
 * The scripts of the password pages (password-pages.ts), plain JavaScript run under the page's
 * nonce. They only call the API (same origin, no cookie): `POST /auth/reset-password` for a new
 * link, `PUT /auth/reset-password` with the token in the body. Each code of the answer gets words
 * of its own; any other answer shows the server's `detail`. Every text they show comes from the
 * messages (`T`: the password pages' and the "this wasn't me" page's script texts).
 */

/** Helpers, and the "send a new link" form (`#new-link-form`) both pages have, with the texts. */
export const newLinkScript = (m: Messages) =>
  CAPTCHA_SCRIPT +
  `\nconst T = ${scriptTexts({ ...m.passwords.script, wasntMe: m.wasntMe.script })};` +
  String.raw`
const $ = (id) => document.getElementById(id);
const fmt = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? '');
const page = document.querySelector('main');
const api = page.dataset.api;
const show = (id, text) => { const el = $(id); el.textContent = text; el.hidden = !text; };
const sentence = (text) => {
  const t = String(text || '').trim();
  return t && t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
};
const tooMany = (response) => {
  const wait = Number(response.headers.get('retry-after'));
  if (wait > 90) return fmt(T.tooManyMinutes, { n: Math.ceil(wait / 60) });
  return wait > 0 ? fmt(T.tooManySeconds, { n: wait }) : T.tooManyLater;
};
/** A JSON request to the API; a network failure answers response null. */
async function send(method, path, body) {
  try {
    const response = await fetch(api + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), credentials: 'omit', cache: 'no-store' });
    return { response, answer: await response.json().catch(() => ({})) };
  } catch {
    return { response: null, answer: {} };
  }
}
/** The words for an answer that has none of its own. */
const described = (response, answer) => {
  if (!response) return T.unreachable;
  if (answer.code === 'rate_limited') return tooMany(response);
  return sentence(answer.detail) || fmt(T.failed, { status: response.status });
};
if ($('new-link-form')) $('new-link-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  show('new-link-status', '');
  show('new-link-error', '');
  $('new-link-submit').disabled = true;
  const { response, answer } = await send('POST', '/auth/reset-password', withCaptcha({ email: $('email').value.trim() }));
  $('new-link-submit').disabled = false;
  if (isCaptchaAnswer(answer) && askCaptcha(() => $('new-link-form').requestSubmit()))
    return show('new-link-status', T.captchaAsk);
  if (response && response.status === 202) {
    return show('new-link-status', fmt(T.linkSent, { minutes: page.dataset.resetMinutes }));
  }
  if (response && answer.code === 'validation_failed') return show('new-link-error', T.emailNeeded);
  show('new-link-error', described(response, answer));
});
`;

/**
 * A mailed link's token, for a page that a mail links to: read once from the address (`token`),
 * kept for a reload of this tab only (sessionStorage, under `key`), and taken out of the address
 * bar at once, so it stays out of the history, bookmarks and shared screens. Defines `token` and
 * `kept` for the page's own script.
 */
export const linkToken = (key: string) => `
const KEY = ${key};
const kept = {
  get() { try { return sessionStorage.getItem(KEY) || ''; } catch { return ''; } },
  set(value) { try { sessionStorage.setItem(KEY, value); } catch { /* storage off: a reload needs the mail's link */ } },
  forget() { try { sessionStorage.removeItem(KEY); } catch { /* nothing kept */ } },
};
const query = new URLSearchParams(location.search);
let token = query.get('token') || kept.get();
if (query.has('token')) {
  if (token) kept.set(token);
  history.replaceState(null, '', location.pathname);
}
`;

/**
 * The reset and set-password pages. The token is read once from the address, kept for a reload of
 * this tab only (sessionStorage), and taken out of the address bar at once, so it stays out of the
 * history, bookmarks and shared screens; it travels only in the PUT body.
 */
export const RESET_SCRIPT =
  linkToken("'accounts.reset-token' + location.pathname") +
  String.raw`
const MISSING = T.missingLink;
/** The answers that mean "this link will not work": each says why, and the page offers a new link. */
const LINK_WORDS = T.linkWords;
const linkProblem = (words) => {
  kept.forget();
  token = '';
  $('password-panel').hidden = true;
  show('link-problem', words);
  $('new-link').hidden = false;
  ($('email') || $('new-link-page')).focus();
};
if (!token) linkProblem(MISSING);
$('password-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  show('password-error', '');
  const password = $('new-password').value;
  if (password !== $('confirm-password').value) {
    $('confirm-password').focus();
    return show('password-error', T.notSame);
  }
  $('password-submit').disabled = true;
  const { response, answer } = await send('PUT', '/auth/reset-password', { reset_token: token, new_password: password });
  $('password-submit').disabled = false;
  if (response && response.ok) {
    kept.forget();
    token = '';
    $('password-panel').hidden = true;
    $('done').hidden = false;
    return $('done-link').focus();
  }
  if (response && Object.hasOwn(LINK_WORDS, answer.code)) return linkProblem(LINK_WORDS[answer.code]);
  // Too easy to guess (the warning, then the library's suggestions), or known from breaches.
  if (response && (answer.code === 'password_too_weak' || answer.code === 'password_breached')) {
    const reasons = (answer.issues || []).map((i) => sentence(i.message)).join(' ');
    $('new-password').focus();
    return show('password-error', T.chooseAnother + ' ' + (reasons || sentence(answer.detail)));
  }
  if (response && answer.code === 'validation_failed') {
    const issues = answer.issues || [];
    const password = issues.find((i) => i.path === 'new_password');
    if (password) return show('password-error', T.chooseAnother + ' ' + sentence(password.message));
    if (issues.some((i) => i.path === 'reset_token')) return linkProblem(LINK_WORDS.invalid_credentials);
  }
  show('password-error', described(response, answer));
});
`;
