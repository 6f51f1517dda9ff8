import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import { escapeHtml } from '../html.js';

/**
 * What every page for people shares (`/login`, the password pages): one document shape, one
 * style, and the headers that keep a page to itself. A page is rendered by the service with no
 * build step and no outside assets: a fresh nonce per answer is the only way a script or a style
 * runs (no third-party origin is allowed), the page may not be framed, and no address of it (a
 * reset link's token) is sent to another site as a referrer.
 */
export const PAGE_STYLE = `
:root { color-scheme: light dark; --bg: #f4f5f7; --fg: #1d2330; --card: #fff; --muted: #596173; --line: #b8bfcc;
  --accent: #2754c5; --accent-fg: #fff; --accent-off: #8a9bc9; --error: #b3261e; --focus: #1a48b8;
  --notice-bg: #fdf1e0; --notice-fg: #6b3d00; --ok-bg: #e3f4e6; --ok-fg: #17502a; --link: #1f4db8; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #14171d; --fg: #e6e9ef; --card: #1f242d; --muted: #a9b1c1; --line: #4a5366;
    --accent: #8fb0ff; --accent-fg: #0c1633; --accent-off: #4c5a7c; --error: #ffb4ab; --focus: #b5c9ff;
    --notice-bg: #3d2a0c; --notice-fg: #ffdcaa; --ok-bg: #173322; --ok-fg: #b6ecc4; --link: #a8c1ff; }
}
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: var(--bg); color: var(--fg); }
main { max-width: 760px; margin: 3rem auto; padding: 0 1rem; }
main.narrow { max-width: 460px; }
h1 { font-size: 1.6rem; }
a { color: var(--link); }
section { background: var(--card); border-radius: 8px; padding: 1.25rem 1.5rem; flex: 1 1 300px; box-shadow: 0 1px 3px rgba(0,0,0,.12); min-width: 0; }
main.narrow section { margin-bottom: 1.5rem; }
label { display: block; margin: .6rem 0 .2rem; font-weight: 600; }
input { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; color: inherit; background: var(--card); border: 1px solid var(--line); border-radius: 4px; }
button, a.button { display: inline-block; margin-top: 1rem; padding: .55rem 1.2rem; font: inherit; border: 0; border-radius: 4px; background: var(--accent); color: var(--accent-fg); cursor: pointer; text-decoration: none; }
button.secondary { background: transparent; color: var(--link); text-decoration: underline; padding: .55rem .4rem; }
button:disabled { background: var(--accent-off); cursor: wait; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
ul.plain { list-style: none; padding: 0; margin: 0; }
.hint { color: var(--muted); font-size: .9rem; margin: .3rem 0 0; }
.error { color: var(--error); }
.notice { background: var(--notice-bg); color: var(--notice-fg); padding: 1rem 1.5rem; border-radius: 8px; }
.success { background: var(--ok-bg); color: var(--ok-fg); padding: 1rem 1.5rem; border-radius: 8px; font-weight: 600; }
code { word-break: break-all; font-size: .75rem; }
@media (max-width: 480px) { main { margin: 1.5rem auto; } section { padding: 1rem; } }
`;

export interface PageContent {
  /** The document title, unescaped. */
  title: string;
  /** The body's markup, already escaped where it interpolates values. */
  body: string;
  /** The page's script (plain JavaScript, no module imports). */
  script: string;
  /** Extra rules after PAGE_STYLE. */
  style?: string;
  /** Allows `data:` images (the login page's QR code); nothing else is ever loaded. */
  dataImages?: boolean;
  /** Scripts this service serves itself (`/assets/…`), run before the page's script with the same nonce. */
  assets?: readonly string[];
  /**
   * The one exception to "no other origin": a configured CAPTCHA provider's widget (its script,
   * loaded with the nonce, and the origins it frames and calls). Absent unless CAPTCHA_PROVIDER is set.
   */
  captcha?: { scriptUrl: string; origins: readonly string[] };
}

/** Answers 200 with a page and its headers: a nonce CSP, no framing, no referrer. */
export function sendPage(res: Response, page: PageContent): void {
  const nonce = randomBytes(16).toString('base64');
  const widget = page.captcha ? ` ${page.captcha.origins.join(' ')}` : '';
  const images = [...(page.dataImages ? ['data:'] : []), ...(page.captcha ? page.captcha.origins : [])];
  res.setHeader(
    'Content-Security-Policy',
    `default-src 'none'; script-src 'nonce-${nonce}'${widget}; style-src 'nonce-${nonce}'${widget}; ${images.length ? `img-src ${images.join(' ')}; ` : ''}${page.captcha ? `frame-src${widget}; ` : ''}connect-src 'self'${widget}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  );
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.type('html').send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(page.title)}</title>
<style nonce="${nonce}">${PAGE_STYLE}${page.style ?? ''}</style>
</head>
<body>
${page.body}
${(page.assets ?? []).map((src) => `<script nonce="${nonce}" src="${escapeHtml(src)}"></script>\n`).join('')}<script nonce="${nonce}">${page.script}</script>
${page.captcha ? `<script nonce="${nonce}" src="${escapeHtml(page.captcha.scriptUrl)}" async defer></script>\n` : ''}
</body>
</html>`);
}

export { escapeHtml };
