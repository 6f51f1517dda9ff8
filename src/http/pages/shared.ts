import type { Messages } from '../messages/index.js';
import { cookieNames } from '../cookies.js';
import { escapeHtml } from '../page.js';

/**
 * What the pages for people share beyond PAGE_STYLE: the texts their scripts show, and the small
 * script every page starts with (element helpers, the browser session's CSRF cookie, sign-out).
 */

/**
 * A section's script texts as a JavaScript object literal for an inline script: JSON, with `<`
 * escaped so that no text can end the script element.
 */
export const scriptTexts = (texts: object): string => JSON.stringify(texts).replace(/</g, '\\u003c');

/**
 * The helpers every page's script starts with; `T` is the page's texts (common ones under
 * `T.common`). Sign-out sends the CSRF cookie's value back as `x-csrf-token` (the double submit a
 * cookie-authenticated change needs), then goes to /login.
 */
/** The CSRF cookie's name on https and on plain http, as cookies.ts names it (the script may run on either). */
const CSRF_COOKIES = [cookieNames('https://accounts.invalid').csrf, cookieNames('http://accounts.invalid').csrf];

export const coreScript = (texts: object, common: Messages['common']) => String.raw`
const T = ${scriptTexts({ ...texts, common: common.script })};
const $ = (id) => document.getElementById(id);
const api = document.querySelector('main').dataset.api;
const show = (id, text) => { const el = $(id); el.textContent = text; el.hidden = !text; };
const fmt = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? '');
const csrfToken = () => {
  const names = ${JSON.stringify(CSRF_COOKIES)};
  for (const part of document.cookie.split(/;\s*/)) {
    const eq = part.indexOf('=');
    if (names.includes(part.slice(0, eq))) return decodeURIComponent(part.slice(eq + 1));
  }
  return '';
};
const post = (path, body) => fetch(api + path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken() }, body: JSON.stringify(body || {}) });
/** The account of this browser's session, or null. */
const whoAmI = () => fetch(api + '/auth', { credentials: 'same-origin' }).then((r) => (r.ok ? r.json() : null), () => null);
if ($('sign-out')) $('sign-out').addEventListener('click', async () => {
  await post('/auth/logout').catch(() => null);
  location.assign('/login');
});
`;

/** Where a page says who signed in, with the sign-out button (both hidden until then). */
export const signedInBlock = (common: Messages['common']) => `<p id="success" class="success" role="status" hidden></p>
<p id="signed-in-actions" hidden><button id="sign-out" type="button">${escapeHtml(common.script.signOut)}</button></p>`;
