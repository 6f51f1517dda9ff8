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

/** The CSRF cookie's name on https and on plain http, as cookies.ts names it (the script may run on either). */
const CSRF_COOKIES = [cookieNames('https://accounts.invalid').csrf, cookieNames('http://accounts.invalid').csrf];

/**
 * The helpers every page's script starts with; `T` is the page's texts (common ones under
 * `T.common`), `API` the API's base (the `<main>` element's `data-api`). `send` is the one fetch
 * wrapper: the browser session's cookie travels by itself (same origin), and every request carries
 * the CSRF cookie's value back as `x-csrf-token` (the double submit a cookie-authenticated change
 * needs: another site can send the cookie but cannot read it). Sign-out goes to /login, unless
 * the page sets `onSignedOut` to a way of its own.
 */
export const coreScript = (texts: object, common: Messages['common']) => String.raw`
const T = ${scriptTexts({ ...texts, common: common.script })};
const $ = (id) => document.getElementById(id);
const API = document.querySelector('main').dataset.api;
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
/** A request to this service (a full path): JSON in when there is a body, the session cookie and the CSRF header. */
const send = (method, url, body) => {
  const headers = { 'x-csrf-token': csrfToken() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(url, { method, credentials: 'same-origin', headers, body: body === undefined ? undefined : JSON.stringify(body) });
};
const post = (path, body) => send('POST', API + path, body || {});
/** The account of this browser's session, or null. */
const whoAmI = () => send('GET', API + '/auth').then((r) => (r.ok ? r.json() : null), () => null);
let onSignedOut = () => location.assign('/login');
if ($('sign-out')) $('sign-out').addEventListener('click', async () => {
  await post('/auth/logout').catch(() => null);
  onSignedOut();
});
`;

/** Where a page says who signed in, with the sign-out button (both hidden until then). */
export const signedInBlock = (common: Messages['common']) => `<p id="success" class="success" role="status" hidden></p>
<p id="signed-in-actions" hidden><button id="sign-out" type="button">${escapeHtml(common.script.signOut)}</button></p>`;

/** A link to another page of the sign-in (`/login`, `/register`) that carries the redirect asked for over. Unescaped. */
export const withRedirect = (path: string, redirect: string | null) =>
  redirect ? `${path}?redirect_uri=${encodeURIComponent(redirect)}` : path;

/** An OAuth provider's name as a person reads it: `github` → `Github`. */
export const providerName = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
