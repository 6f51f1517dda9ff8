import { randomBytes, timingSafeEqual } from 'node:crypto';
import { parse, serialize } from 'cookie';
import type { Request, RequestHandler, Response } from 'express';

/** The session token of a browser, and the double-submit CSRF token beside it. */
export const SESSION_COOKIE = 'accounts_session';
export const CSRF_COOKIE = 'accounts_csrf';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'express-serve-static-core' {
  interface Request {
    /** The login asked for a browser session (`?session=cookie`). */
    wantsCookie?: boolean;
    /** A cross-site request proved it continues this browser's own sign-in (the OAuth state cookie). */
    sameBrowser?: boolean;
  }
}

/** The OAuth state's hash, set where the sign-in starts, so that only the same browser finishes it with a cookie. */
export const OAUTH_STATE_COOKIE = 'accounts_oauth_state';

/**
 * Whether a login may set the session cookie: not when another site sent the browser here (a
 * link to an LNURL poll or an OAuth token URL would sign the victim's browser into the attacker's
 * account), unless the request continues this browser's own sign-in.
 */
const mayPlantSession = (req: Request) => {
  const site = req.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none' || req.sameBrowser === true;
};

export const cookiesOf = (req: Request): Record<string, string | undefined> => (req.headers.cookie ? parse(req.headers.cookie) : {});

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
  return (req, res) => {
    const [path, query] = splitUrl(req.url);
    // Only a request that asks pays for this: every other one passes untouched.
    if (query && query.includes('session=cookie')) {
      const params = new URLSearchParams(query);
      if (params.get('session') === 'cookie') {
        params.delete('session');
        const rest = params.toString();
        req.url = rest ? `${path}?${rest}` : path;
        answerWithCookie(req, res, secure);
      }
    }
  };
}

/** A successful token answer to this request also sets the session cookies (when no other site sent the browser). */
function answerWithCookie(req: Request, res: Response, secure: boolean) {
  if (req.wantsCookie) return;
  req.wantsCookie = true;
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    const answer = body as { access_token?: unknown; expires_at?: unknown } | null;
    if (res.statusCode < 300 && answer && typeof answer.access_token === 'string' && typeof answer.expires_at === 'string' && mayPlantSession(req)) {
      setSessionCookies(res, answer.access_token, new Date(answer.expires_at), secure);
    }
    return json(body);
  };
}

/**
 * The OAuth finish of a browser that started the sign-in itself (it holds the state's cookie):
 * it ends with a browser session, although the provider, another site, sent it here.
 */
export function continueBrowserSignIn(req: Request, res: Response, publicUrl: string) {
  req.sameBrowser = true;
  answerWithCookie(req, res, !isLocalHttp(publicUrl));
}

const splitUrl = (url: string): [string, string] => {
  const at = url.indexOf('?');
  return at < 0 ? [url, ''] : [url.slice(0, at), url.slice(at + 1)];
};

export function setSessionCookies(res: Response, token: string, expiresAt: Date, secure: boolean) {
  const common = { path: '/', sameSite: 'lax' as const, secure, expires: expiresAt };
  res.append('Set-Cookie', serialize(SESSION_COOKIE, token, { ...common, httpOnly: true }));
  res.append('Set-Cookie', serialize(CSRF_COOKIE, randomBytes(24).toString('base64url'), common));
}

/** Remembers, in this browser, the hash of an OAuth state it was sent off with. */
export function setOAuthStateCookie(res: Response, stateHash: string, publicUrl: string) {
  res.append('Set-Cookie', serialize(OAUTH_STATE_COOKIE, stateHash, { path: '/api/v1/auth', sameSite: 'lax', secure: !isLocalHttp(publicUrl), httpOnly: true, maxAge: 600 }));
}

export function clearSessionCookies(res: Response, publicUrl: string) {
  const common = { path: '/', sameSite: 'lax' as const, secure: !isLocalHttp(publicUrl), expires: new Date(0), maxAge: 0 };
  res.append('Set-Cookie', serialize(SESSION_COOKIE, '', { ...common, httpOnly: true }));
  res.append('Set-Cookie', serialize(CSRF_COOKIE, '', common));
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A state-changing request that a cookie authenticates must come from this service's own pages:
 * the `X-CSRF-Token` header equal to the CSRF cookie (double submit), or an `Origin` that is the
 * service's, or `Sec-Fetch-Site: same-origin`. Anything else is refused.
 */
export function csrfPasses(req: Request, publicOrigin: string): boolean {
  if (SAFE_METHODS.has(req.method)) return true;
  const header = req.headers[CSRF_HEADER];
  const cookie = cookiesOf(req)[CSRF_COOKIE];
  if (typeof header === 'string' && cookie && header.length === cookie.length && timingSafeEqual(Buffer.from(header), Buffer.from(cookie))) return true;
  const origin = req.headers.origin;
  if (typeof origin === 'string') return origin === publicOrigin;
  return req.headers['sec-fetch-site'] === 'same-origin';
}
