import type { Request } from 'express';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { Accounts } from '../../../accounts/index.js';
import { OWN_PAGES } from '../../../login-methods/oauth/oauth.js';
import type { Routes } from '../../auth.js';
import { cookieNames, cookiesOf } from '../../cookies.js';
import { messagesFor } from '../../messages/index.js';
import { escapeHtml, sendPage } from '../../page.js';
import { withRedirect } from '../shared.js';
import { accountPage, signedOutPage } from './page.js';
import { accountScript } from './script.js';
import { ACCOUNT_STYLE } from './style.js';

/** The same file login-page.ts serves: passkeys are added with it here. */
const WEBAUTHN_ASSET = '/assets/simplewebauthn-browser.js';
// Not strict: only what the page reads is looked at.
const pageQuery = z.object({
  oauth_error: z
    .string()
    .max(64)
    .optional()
    .describe('Set by the OAuth finish route when a sign-in or link started from the pages failed: its error code'),
});
const html = { 200: { description: 'The page', contentType: 'text/html' } };

/** Whether the request's session cookie is a live login session (an API key or ACL token never opens this page). */
async function signedIn(accounts: Accounts, req: Request, cookie: string): Promise<boolean> {
  const token = cookiesOf(req)[cookie];
  if (!token) return false;
  try {
    return (await accounts.authenticate({ bearer: token })).kind === 'session';
  } catch {
    return false;
  }
}

/**
 * GET /account: a signed-in person's own account, one page of sections. The page holds no data of
 * the account: its script reads and changes everything through the REST API with the browser
 * session, as any other client does (see script-core.ts for the CSRF header).
 */
export function accountPageRoutes(accounts: Accounts, pages: Routes, pagesWithBody: Routes): void {
  const names = cookieNames(accounts.publicUrl());
  pages.add(
    'get',
    '/account',
    {
      policy: 'public',
      tag: 'Pages',
      summary:
        "A signed-in person's own account: profile, password, two-factor, passkeys, sessions, keys, history, data",
      description:
        'Signed in with a browser session (cookie); otherwise a link to /login that comes back here. Every change the page makes goes through the API with the cookie and `X-CSRF-Token`. An OAuth sign-in or link started from the pages ends here (`?oauth_error=<code>` when it failed).',
      query: pageQuery,
      responses: html,
    },
    async ({ query }, req, res) => {
      const m = messagesFor(req.headers['accept-language']);
      const t = m.account;
      const service = accounts.serviceName();
      if (!(await signedIn(accounts, req, names.session))) {
        // Back here after signing in: the service's own page, which /login always allows.
        const here = new URL(OWN_PAGES.account, accounts.publicUrl()).href;
        const problem = query.oauth_error
          ? (t.script.oauthErrors[query.oauth_error] ?? t.script.oauthErrors.other!)
          : null;
        return sendPage(res, {
          title: `${t.signedOutTitle} · ${service}`,
          body: signedOutPage(t, escapeHtml(withRedirect('/login', here)), problem),
          script: '',
        });
      }
      const { login_methods } = await accounts.setupStatus();
      const providers = login_methods.filter((name) => name.startsWith('oauth:')).map((name) => name.slice(6));
      sendPage(res, {
        title: `${t.title} · ${service}`,
        body: accountPage(t, service, accounts.publicUrl(), providers),
        script: accountScript(m),
        style: ACCOUNT_STYLE,
        dataImages: true,
        assets: [WEBAUTHN_ASSET],
      });
    },
  );

  // The page's QR codes (a TOTP secret, an LNURL-auth link), drawn here so that no library or site
  // outside this service sees them. Only those two kinds of link, for a signed-in session: not a
  // QR service for anyone.
  pagesWithBody.add(
    'post',
    '/account/qr',
    {
      policy: 'session',
      tag: 'Pages',
      summary: "The account page's QR code of an otpauth: or lightning: link (as a data: URL of an SVG image)",
      body: z.strictObject({
        uri: z
          .string()
          .max(1024)
          .regex(/^(otpauth:\/\/|lightning:)/, 'must be an otpauth:// or lightning: link'),
      }),
      responses: {
        200: {
          description: 'The image',
          schema: z.object({ data_url: z.string().regex(/^data:image\/svg\+xml;base64,/) }),
        },
      },
    },
    async ({ body }, _req, res) => {
      const svg = await QRCode.toString(body.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      res.json({ data_url: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` });
    },
  );
}
