import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RequestHandler } from 'express';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { Accounts } from '../../../accounts/index.js';
import type { LoginUseCases } from '../../../login-methods/index.js';
import { OWN_PAGES, pageRedirectAllowed } from '../../../login-methods/oauth/oauth.js';
import { isDomainError } from '../../../../domain/shared/errors.js';
import { requestInfo, type Routes } from '../../auth.js';
import { messagesFor } from '../../messages/index.js';
import { sendPage } from '../../page.js';
import { captchaAsset, captchaPanel } from '../../routes/captcha-widget.js';
import { loginBody } from './markup.js';
import { loginScript } from './script.js';

const pageQuery = z.strictObject({
  redirect_uri: z.string().max(2048).optional(),
  captcha_token: z
    .string()
    .max(4096)
    .optional()
    .describe('With a CAPTCHA on: a solved token, so that the LNURL code of the page may make an account'),
  oauth_provider: z
    .string()
    .regex(/^[a-z0-9_]{1,32}$/)
    .optional()
    .describe(
      'With `oauth_state`: an OAuth sign-in from the pages that waits for the two-factor code (set by the finish route)',
    ),
  oauth_state: z.string().max(128).optional().describe("That sign-in's state, finished with the code"),
});

/** @simplewebauthn/browser's own bundle (a global `SimpleWebAuthnBrowser`), served from here: no CDN. */
const WEBAUTHN_ASSET = '/assets/simplewebauthn-browser.js';
const webauthnBundle = () => {
  // The package exports no path to its bundle: it lies beside its entry point's folder.
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return readFileSync(join(dirname(dirname(entry)), 'dist', 'bundle', 'index.umd.min.js'));
};

const STYLE = `
#panels { display: flex; gap: 1.5rem; flex-wrap: wrap; }
.qr svg { width: 240px; height: 240px; max-width: 100%; display: block; margin: .5rem auto; }
`;

/**
 * GET /login: a sign-in page for people, served by the service itself (no build step, no outside
 * assets), with a panel for each way in that is on (setup-status's login methods).
 */
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
      summary:
        'A sign-in page for people: each way in that is on (password, email code, passkey, Nostr extension, OAuth providers, LNURL-auth)',
      query: pageQuery,
      description:
        "Signs in with a browser session (cookie); afterwards it goes to `redirect_uri` when that is on ALLOWED_REDIRECTS or is one of the service's own pages (`/account`). " +
        'Links to /register while registration is open or by invite.',
      responses: { 200: { description: 'The page', contentType: 'text/html' } },
      errors: [429],
    },
    limit,
    async ({ query: { redirect_uri, captcha_token, oauth_provider, oauth_state } }, req, res) => {
      const m = messagesFor(req.headers['accept-language']);
      const status = await accounts.setupStatus();
      const redirect =
        redirect_uri && pageRedirectAllowed(redirect_uri, accounts.allowedRedirects(), accounts.publicUrl())
          ? redirect_uri
          : null;
      // With a CAPTCHA on, a wallet may make an account only through a k1 issued after one was
      // solved: the page reloads itself with the token (see the script). A refused token gives the
      // page as without one, and the button to try again.
      const widget = accounts.captchaWidget();
      let lnurl = null;
      let solved = false;
      if (status.login_methods.includes('lnurl')) {
        const info = { ...requestInfo(req), captchaToken: widget ? (captcha_token ?? null) : null };
        const started = await startLnurl('login', null, info).then(
          (made) => {
            solved = info.captchaToken !== null;
            return made;
          },
          (error: unknown) => {
            if (isDomainError(error) && (error.code === 'captcha_invalid' || error.code === 'captcha_required'))
              return startLnurl('login', null, { ...info, captchaToken: null });
            throw error;
          },
        );
        const link = `lightning:${started.lnurl}`;
        const qr = await QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
        lnurl = { lnurl: started.lnurl, k1: started.k1, link, qr };
      }
      sendPage(res, {
        title: `${m.login.title} · ${accounts.serviceName()}`,
        style: STYLE,
        script: loginScript(m),
        dataImages: true,
        assets: [WEBAUTHN_ASSET],
        ...captchaAsset(widget),
        body: loginBody(m, {
          service: accounts.serviceName(),
          methods: status.login_methods,
          registration: status.registration,
          redirect,
          accountPage: new URL(OWN_PAGES.account, accounts.publicUrl()).href,
          redirectRefused: Boolean(redirect_uri && !redirect),
          oauthTotp:
            oauth_provider && oauth_state && status.login_methods.includes(`oauth:${oauth_provider}`)
              ? { provider: oauth_provider, state: oauth_state }
              : null,
          lnurl,
          lnurlSignUp: Boolean(widget && !solved),
          nostrUrl: `${accounts.publicUrl()}/api/v1/auth/nostr`,
          captcha: captchaPanel(widget),
        }),
      });
    },
  );
}
