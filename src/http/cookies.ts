import { randomBytes, timingSafeEqual } from 'node:crypto';
import { parse, serialize } from 'cookie';
import type { Request, Response } from 'express';

export const CSRF_HEADER = 'x-csrf-token';

/** The session token of a browser, the double-submit CSRF token beside it, and the OAuth state's hash. */
export interface CookieNames {
  session: string;
  csrf: string;
  oauthState: string;
  /** A trusted device's token (HttpOnly, scoped to /api/v1/auth). */
  device: string;
}

/**
 * Over https the cookies carry the `__Host-` prefix: the browser then takes them only with
 * `Secure`, `Path=/` and no `Domain`, so a sibling subdomain cannot plant or overwrite them. The
 * OAuth state cookie is scoped to `/api/v1/auth`, which `__Host-` forbids; it gets `__Secure-`.
 * On plain http (local development) browsers refuse both prefixes, so the names are bare.
 */
export const cookieNames = (publicUrl: string): CookieNames =>
  new URL(publicUrl).protocol === 'https:'
    ? {
        session: '__Host-accounts_session',
        csrf: '__Host-accounts_csrf',
        oauthState: '__Secure-accounts_oauth_state',
        device: '__Secure-accounts_device',
      }
    : {
        session: 'accounts_session',
        csrf: 'accounts_csrf',
        oauthState: 'accounts_oauth_state',
        device: 'accounts_device',
      };

declare module 'express-serve-static-core' {
  interface Request {
    /** The login asked for a browser session (`?session=cookie`). */
    wantsCookie?: boolean;
    /** A cross-site request proved it continues this browser's own sign-in (the OAuth state cookie). */
    sameBrowser?: boolean;
  }
}

/**
 * Whether a login may set the session cookie: only when the browser itself says this service's
 * own page sent the request (`Sec-Fetch-Site: same-origin`), or the request continues this
 * browser's own sign-in (it holds the OAuth state cookie it was given at the start). A link opened
 * from another site, typed in, or followed outside a browser (`cross-site`, `none`, or no header)
 * would otherwise sign the victim's browser into an account the attacker chose.
 */
const mayPlantSession = (req: Request) => req.headers['sec-fetch-site'] === 'same-origin' || req.sameBrowser === true;

export const cookiesOf = (req: Request): Record<string, string | undefined> =>
  req.headers.cookie ? parse(req.headers.cookie) : {};

/**
 * The trusted-device cookie, under either of its names (`__Secure-` over https): it only ever
 * tells a device the account already trusts, so a planted one can do no more than its token can.
 */
export const deviceCookieOf = (req: Request): string | null => {
  if (!req.headers.cookie?.includes('accounts_device')) return null;
  const cookies = cookiesOf(req);
  return cookies['__Secure-accounts_device'] ?? cookies.accounts_device ?? null;
};

/** Plain http is allowed only for a service on this machine (development); anywhere else the cookie is `Secure`. */
const isLocalHttp = (publicUrl: string) => {
  const url = new URL(publicUrl);
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
};

/**
 * `?session=cookie` on any login: the parameter is taken off the URL (so that no route sees a
 * query field it does not know) and a successful token answer also sets the session cookie
 * (`HttpOnly`, `SameSite=Lax`, `Secure` but on local http) and a readable CSRF cookie.
 */
export function cookieSessions(publicUrl: string): (req: Request, res: Response) => void {
  const secure = !isLocalHttp(publicUrl);
  const names = cookieNames(publicUrl);
  return (req, res) => {
    const [path, query] = splitUrl(req.url);
    // Only a request that asks pays for this: every other one passes untouched.
    if (query && query.includes('session=cookie')) {
      const params = new URLSearchParams(query);
      if (params.get('session') === 'cookie') {
        params.delete('session');
        const rest = params.toString();
        req.url = rest ? `${path}?${rest}` : path;
        answerWithCookie(req, res, secure, names);
      }
    }
  };
}

/** A successful token answer to this request also sets the session cookies (when no other site sent the browser). */
function answerWithCookie(req: Request, res: Response, secure: boolean, names: CookieNames) {
  if (req.wantsCookie) return;
  req.wantsCookie = true;
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    plantSession(req, res, body, secure, names);
    return json(body);
  };
}

/** Sets the session cookies for a successful token answer, when the browser may be given them. */
function plantSession(req: Request, res: Response, body: unknown, secure: boolean, names: CookieNames) {
  const answer = body as {
    access_token?: unknown;
    expires_at?: unknown;
    device_token?: unknown;
    device_expires_at?: unknown;
  } | null;
  if (
    !(
      res.statusCode < 300 &&
      answer &&
      typeof answer.access_token === 'string' &&
      typeof answer.expires_at === 'string' &&
      mayPlantSession(req)
    )
  )
    return;
  setSessionCookies(res, names, answer.access_token, new Date(answer.expires_at), secure);
  // A remembered device keeps its token where scripts cannot read it, sent only to the sign-in routes.
  if (typeof answer.device_token === 'string' && typeof answer.device_expires_at === 'string')
    res.append(
      'Set-Cookie',
      serialize(names.device, answer.device_token, {
        httpOnly: true,
        secure,
        sameSite: 'strict',
        path: '/api/v1/auth',
        expires: new Date(answer.device_expires_at),
      }),
    );
}

/**
 * The OAuth finish of a browser that started the sign-in itself (it holds the state's cookie):
 * it ends with a browser session, although the provider, another site, sent it here. A flow
 * started for one of the service's own pages (`page`, a path from OWN_PAGES) and reached by
 * navigating (the provider's redirect, not a page's fetch) ends on a page rather than on the JSON
 * answer: that page signed in, `secondFactorPage` when the account asks for its two-factor code,
 * or the page with `?oauth_error=<code>` for it to say.
 */
export function continueBrowserSignIn(
  req: Request,
  res: Response,
  publicUrl: string,
  page?: { path: string; secondFactorPage: string },
) {
  req.sameBrowser = true;
  const secure = !isLocalHttp(publicUrl);
  const names = cookieNames(publicUrl);
  if (!page || req.headers['sec-fetch-mode'] !== 'navigate') return answerWithCookie(req, res, secure, names);
  req.wantsCookie = true;
  res.json = (body: unknown) => {
    // A page, not an answer to read: a command's position means nothing to the browser.
    res.removeHeader('X-Event-Position');
    if (res.statusCode < 300) {
      plantSession(req, res, body, secure, names);
      res.redirect(303, page.path);
      return res;
    }
    const code = (body as { code?: unknown } | null)?.code;
    if (code === 'totp_required') {
      res.redirect(303, page.secondFactorPage);
      return res;
    }
    const known = typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? code : 'failed';
    res.redirect(303, `${page.path}?oauth_error=${known}`);
    return res;
  };
}

const splitUrl = (url: string): [string, string] => {
  const at = url.indexOf('?');
  return at < 0 ? [url, ''] : [url.slice(0, at), url.slice(at + 1)];
};

function setSessionCookies(res: Response, names: CookieNames, token: string, expiresAt: Date, secure: boolean) {
  const common = { path: '/', sameSite: 'lax' as const, secure, expires: expiresAt };
  res.append('Set-Cookie', serialize(names.session, token, { ...common, httpOnly: true }));
  res.append('Set-Cookie', serialize(names.csrf, randomBytes(24).toString('base64url'), common));
}

/**
 * Remembers, in this browser, the hash of an OAuth state it was sent off with, and the name of the
 * service's own page the flow ends on, if any (`<hash>.<page>`: a name, never an address).
 */
export function setOAuthStateCookie(res: Response, stateHash: string, publicUrl: string, page?: string | null) {
  res.append(
    'Set-Cookie',
    serialize(cookieNames(publicUrl).oauthState, page ? `${stateHash}.${page}` : stateHash, {
      path: '/api/v1/auth',
      sameSite: 'lax',
      secure: !isLocalHttp(publicUrl),
      httpOnly: true,
      maxAge: 600,
    }),
  );
}

/** The OAuth state cookie of this request: the state's hash and the page name it holds (see setOAuthStateCookie). */
export function oauthStateOf(req: Request, publicUrl: string): { stateHash: string; page: string | null } | null {
  const value = cookiesOf(req)[cookieNames(publicUrl).oauthState];
  if (!value) return null;
  const [stateHash = '', page] = value.split('.');
  return { stateHash, page: page ?? null };
}

export function clearSessionCookies(res: Response, publicUrl: string) {
  const common = {
    path: '/',
    sameSite: 'lax' as const,
    secure: !isLocalHttp(publicUrl),
    expires: new Date(0),
    maxAge: 0,
  };
  const names = cookieNames(publicUrl);
  res.append('Set-Cookie', serialize(names.session, '', { ...common, httpOnly: true }));
  res.append('Set-Cookie', serialize(names.csrf, '', common));
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A state-changing request that a cookie authenticates must come from this service's own pages:
 * the `X-CSRF-Token` header equal to the CSRF cookie (double submit), or an `Origin` that is the
 * service's, or `Sec-Fetch-Site: same-origin`. Anything else is refused.
 */
export function csrfPasses(req: Request, publicOrigin: string, names: CookieNames): boolean {
  if (SAFE_METHODS.has(req.method)) return true;
  const header = req.headers[CSRF_HEADER];
  const cookie = cookiesOf(req)[names.csrf];
  if (
    typeof header === 'string' &&
    cookie &&
    header.length === cookie.length &&
    timingSafeEqual(Buffer.from(header), Buffer.from(cookie))
  )
    return true;
  const origin = req.headers.origin;
  if (typeof origin === 'string') return origin === publicOrigin;
  return req.headers['sec-fetch-site'] === 'same-origin';
}
