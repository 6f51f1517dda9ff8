import { secp256k1 } from '@noble/curves/secp256k1.js';
import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startPublicServer, startServer, type TestServer } from '../support/server.js';

/** The cookies a Set-Cookie list sets, by name, with their attributes as written. */
const cookiesFrom = (headers: Headers) =>
  Object.fromEntries(
    headers.getSetCookie().map((line) => {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair!.indexOf('=');
      return [pair!.slice(0, eq), { value: pair!.slice(eq + 1), attributes: attributes.map((a) => a.toLowerCase()) }];
    }),
  );

/** What a browser marks a request from the service's own page with. */
const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' };

const cookieLogin = async (server: TestServer, names = { session: 'accounts_session', csrf: 'accounts_csrf' }) => {
  const user = await register(server);
  const login = await call(server, 'POST', '/auth?session=cookie', {
    body: { username: user.username, password: user.password },
    headers: SAME_ORIGIN,
  });
  expect(login.status).toBe(200);
  const set = cookiesFrom(login.headers);
  return {
    user,
    login,
    session: set[names.session]!,
    csrf: set[names.csrf]!,
    cookie: `${names.session}=${set[names.session]!.value}; ${names.csrf}=${set[names.csrf]!.value}`,
  };
};

describe('browser sessions (cookies) and CSRF', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('?session=cookie sets an HttpOnly, SameSite=Lax session cookie (not Secure on local http) beside a readable CSRF cookie', async () => {
    server = await startPublicServer();
    const { login, session, csrf } = await cookieLogin(server);
    expect(login.body.access_token).toBe(session.value); // the answer is the same token answer
    expect(session.attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']));
    expect(session.attributes.some((a) => a.startsWith('expires='))).toBe(true);
    expect(session.attributes).not.toContain('secure');
    expect(csrf.attributes).not.toContain('httponly');
    expect(csrf.value.length).toBeGreaterThan(20);
    // Without the parameter no cookie is set: bearer clients see no change.
    const plain = await call(server, 'POST', '/auth', {
      body: { username: (await register(server)).username, password: 'x' },
    });
    expect(plain.headers.getSetCookie()).toEqual([]);
  });

  it('over https the cookies are Secure and __Host- prefixed, so a sibling subdomain cannot overwrite them', async () => {
    server = await startServer({ PUBLIC_URL: 'https://id.example.test' });
    const names = { session: '__Host-accounts_session', csrf: '__Host-accounts_csrf' };
    const { session, csrf, cookie } = await cookieLogin(server, names);
    for (const set of [session, csrf]) {
      expect(set.attributes).toEqual(expect.arrayContaining(['secure', 'path=/']));
      expect(set.attributes.some((a) => a.startsWith('domain='))).toBe(false);
    }
    // Only the prefixed names are read: a bare cookie a subdomain planted authenticates nothing.
    expect((await call(server, 'GET', '/auth/me', { headers: { cookie } })).status).toBe(200);
    expect(
      (await call(server, 'GET', '/auth/me', { headers: { cookie: `accounts_session=${session.value}` } })).status,
    ).toBe(401);
    const change = await call(server, 'PUT', '/auth/me', {
      body: { display_name: 'x' },
      headers: { cookie: `${names.session}=${session.value}; accounts_csrf=${csrf.value}`, 'x-csrf-token': csrf.value },
    });
    expect(change.status).toBe(403);
    const out = await call(server, 'POST', '/auth/logout', { headers: { cookie, 'x-csrf-token': csrf.value } });
    expect(Object.keys(cookiesFrom(out.headers)).sort()).toEqual([names.csrf, names.session].sort());
  });

  it('a cookie authenticates reads; a change must come from the service origin or carry the CSRF token', async () => {
    server = await startPublicServer();
    const { cookie, csrf } = await cookieLogin(server);
    expect((await call(server, 'GET', '/auth/me', { headers: { cookie } })).status).toBe(200);
    const change = (headers: Record<string, string>) =>
      call(server, 'PUT', '/auth/me', { body: { display_name: 'Changed' }, headers: { cookie, ...headers } });

    const crossSite = await change({ origin: 'https://evil.example.test' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.code).toBe('forbidden');
    expect((await change({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await change({})).status).toBe(403);
    expect((await change({ 'x-csrf-token': 'wrong-token-of-the-same-length-as-it-x' })).status).toBe(403);
    expect((await call(server, 'GET', '/auth/me', { headers: { cookie } })).body.display_name).not.toBe('Changed');

    expect((await change({ origin: server.url })).status).toBe(200);
    expect((await change({ 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await change({ 'x-csrf-token': csrf.value, origin: 'null' })).status).toBe(200);
  });

  it('logout clears the cookies and ends the session; bearer tokens work unchanged', async () => {
    server = await startPublicServer();
    const { cookie, login } = await cookieLogin(server);
    const out = await call(server, 'POST', '/auth/logout', { headers: { cookie, origin: server.url } });
    expect(out.status).toBe(200);
    const cleared = cookiesFrom(out.headers);
    expect(cleared.accounts_session!.value).toBe('');
    expect(cleared.accounts_session!.attributes).toEqual(expect.arrayContaining(['max-age=0']));
    expect((await call(server, 'GET', '/auth/me', { headers: { cookie } })).status).toBe(401);
    expect((await call(server, 'GET', '/auth/me', { token: login.body.access_token })).status).toBe(401);

    const bearer = await register(server);
    expect(
      (
        await call(server, 'PUT', '/auth/me', {
          token: bearer.token,
          body: { display_name: 'Bearer' },
          headers: { origin: 'https://elsewhere.example.test' },
        })
      ).status,
    ).toBe(200);
  });

  it('every login takes ?session=cookie, also those whose query is strict (the LNURL poll)', async () => {
    server = await startPublicServer();
    const secret = secp256k1.utils.randomSecretKey();
    const key = Buffer.from(secp256k1.getPublicKey(secret, true)).toString('hex');
    const start = await call(server, 'GET', '/auth/lnurl');
    const sig = Buffer.from(
      secp256k1.sign(Buffer.from(start.body.k1, 'hex'), secret, { prehash: false, format: 'der' }),
    ).toString('hex');
    await call(server, 'GET', `/auth/lnurl/callback?tag=login&k1=${start.body.k1}&sig=${sig}&key=${key}`);
    const polled = await call(server, 'GET', `/auth/lnurl/${start.body.k1}?session=cookie`, { headers: SAME_ORIGIN });
    expect(polled.status).toBe(200);
    expect(cookiesFrom(polled.headers).accounts_session!.value).toBe(polled.body.access_token);

    // A link from another site to a signed k1 does not plant the signer's session in the visitor's browser.
    const other = await call(server, 'GET', '/auth/lnurl');
    const otherSig = Buffer.from(
      secp256k1.sign(Buffer.from(other.body.k1, 'hex'), secret, { prehash: false, format: 'der' }),
    ).toString('hex');
    await call(server, 'GET', `/auth/lnurl/callback?tag=login&k1=${other.body.k1}&sig=${otherSig}&key=${key}`);
    const lured = await call(server, 'GET', `/auth/lnurl/${other.body.k1}?session=cookie`, {
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
    });
    expect(lured.status).toBe(200);
    expect(lured.headers.getSetCookie()).toEqual([]);
    // Nor a link opened outside the browser's pages (typed in, from a mail or a chat: `none`), nor a
    // request that says nothing of where it came from.
    for (const headers of [{ 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' }, {}] as Record<
      string,
      string
    >[]) {
      const next = await call(server, 'GET', '/auth/lnurl');
      const nextSig = Buffer.from(
        secp256k1.sign(Buffer.from(next.body.k1, 'hex'), secret, { prehash: false, format: 'der' }),
      ).toString('hex');
      await call(server, 'GET', `/auth/lnurl/callback?tag=login&k1=${next.body.k1}&sig=${nextSig}&key=${key}`);
      const planted = await call(server, 'GET', `/auth/lnurl/${next.body.k1}?session=cookie`, { headers });
      expect(planted.status).toBe(200);
      expect(planted.headers.getSetCookie()).toEqual([]);
    }

    const user = await register(server);
    const usr = await call(server, 'POST', '/auth/usr?session=cookie', {
      body: { usr: user.answer.body.usr },
      headers: SAME_ORIGIN,
    });
    expect(cookiesFrom(usr.headers).accounts_session).toBeDefined();
    const made = await call(server, 'POST', '/auth/register?session=cookie', {
      body: { username: 'cookie_maker', password: 'Cookie-pass-123' },
      headers: SAME_ORIGIN,
    });
    expect(made.status).toBe(201);
    expect(cookiesFrom(made.headers).accounts_session).toBeDefined();
    // A failed login sets nothing.
    const failed = await call(server, 'POST', '/auth?session=cookie', {
      body: { username: user.username, password: 'Wrong-password-1' },
      headers: SAME_ORIGIN,
    });
    expect(failed.status).toBe(401);
    expect(failed.headers.getSetCookie()).toEqual([]);
  });
});
