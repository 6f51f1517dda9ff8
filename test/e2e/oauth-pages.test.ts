import { expect, it } from 'vitest';
import { browserSuite } from '../support/browser-suite.js';
import { browse, startOidcProvider } from '../support/oauth.js';
import { checkPage } from '../support/pages.js';
import { call, freePort, register, type TestServer } from '../support/server.js';
import { signInOnLoginPage } from '../support/account-page.js';
import { codeAt, enableTotp } from '../support/totp.js';

const CLIENT = { clientId: 'accounts-test', clientSecret: 'a-long-client-secret-for-tests' };

browserSuite('OAuth from the pages ends on a page, in headless Chromium', (suite) => {
  let server: TestServer | undefined;
  let op: Awaited<ReturnType<typeof startOidcProvider>> | undefined;

  /** The service and a real OpenID Provider that knows only the service's own finish route as a redirect URI. */
  const start = async () => {
    const port = await freePort();
    op = suite.closeAfter(
      await startOidcProvider({ ...CLIENT, redirectUris: [`http://127.0.0.1:${port}/api/v1/auth/keycloak/token`] }),
    );
    server = await suite.startServer({
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      OAUTH_KEYCLOAK_ISSUER: op.issuer,
      OAUTH_KEYCLOAK_CLIENT_ID: CLIENT.clientId,
      OAUTH_KEYCLOAK_CLIENT_SECRET: CLIENT.clientSecret,
    });
    await register(server); // the first account (the superadmin)
    return { server, op };
  };

  it('signs in with a /login button that names no redirect, and ends on /account, signed in', async () => {
    const { server, op } = await start();
    op.signIn.person = {
      sub: 'carol-0001',
      email: 'carol@example.test',
      email_verified: true,
      preferred_username: 'carol',
    };
    const { page, errors } = await suite.open(`${server.url}/login`);
    await checkPage(page, 'login-oauth');
    expect(await page.getAttribute('#oauth-keycloak', 'href')).toBe(
      `/api/v1/auth/keycloak?redirect_uri=${encodeURIComponent(`${server.url}/account`)}`,
    );
    await page.click('#oauth-keycloak');
    await page.waitForURL(`${server.url}/account`);
    await page.waitForSelector('#account[data-ready=true]');
    await checkPage(page, 'oauth-signed-in-account');
    expect(await page.textContent('#who')).toContain('carol');
    expect(await page.textContent('#identity-list')).toContain('oauth:keycloak');
    // Linked already: no button to link it again.
    expect(await page.isHidden('#link-oauth-keycloak')).toBe(true);
    expect(errors).toEqual([]);
  });

  it('a client outside a browser still gets the JSON token answer, and the page exemption opens no redirect', async () => {
    const { server, op } = await start();
    op.signIn.person = { sub: 'dave-0001', preferred_username: 'dave' };
    const account = `${server.url}/account`;
    const tokenUrl = `${server.api}/auth/keycloak/token`;
    // Not a browser: the state cookie does not come back, so the answer is the API's.
    const back = await browse(`${server.api}/auth/keycloak?redirect_uri=${encodeURIComponent(account)}`, tokenUrl);
    const answer = await call(server, 'GET', back.url.slice(server.url.length));
    expect(answer.status).toBe(201);
    expect(answer.body.access_token).toEqual(expect.any(String));

    // A state cookie naming anything but one of the service's own pages is not followed.
    const again = await browse(`${server.api}/auth/keycloak?redirect_uri=${encodeURIComponent(account)}`, tokenUrl);
    expect(again.cookie).toMatch(/accounts_oauth_state=[\w-]+\.account/);
    const tampered = await fetch(again.url, {
      redirect: 'manual',
      headers: { cookie: again.cookie.replace(/\.account\b/, '.evil') },
    });
    expect(tampered.status).toBe(200);
    expect(tampered.headers.get('location')).toBeNull();

    // Only exactly /account on PUBLIC_URL: any other address must be on ALLOWED_REDIRECTS.
    for (const uri of [
      'http://evil.example.test/account',
      `${account}?next=http://evil.example.test`,
      `${server.url}/account/../evil`,
      `${server.url}/login`,
      `http://user:pass@${new URL(server.url).host}/account`,
    ]) {
      const refused = await call(server, 'GET', `/auth/keycloak?redirect_uri=${encodeURIComponent(uri)}`);
      expect([uri, refused.status, refused.body.code]).toEqual([uri, 400, 'validation_failed']);
    }
  });

  it('a sign-in refused at the provider, or too slow, ends on a page that says so', async () => {
    const { server, op } = await start();
    const { page, context, errors } = await suite.open(`${server.url}/login`);
    // The service's start route, answered as it is but for its redirect to the provider (a
    // redirect's next request cannot be intercepted): the provider's "access denied" comes back at once.
    const startRoute = (url: URL) => url.href.startsWith(`${server.api}/auth/keycloak?`);
    await context.route(startRoute, async (route) => {
      const started = await route.fetch({ maxRedirects: 0 });
      const asked = new URL(started.headers().location!);
      const back = new URL(asked.searchParams.get('redirect_uri')!);
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('state', asked.searchParams.get('state')!);
      return route.fulfill({ response: started, headers: { ...started.headers(), location: back.href } });
    });
    await page.click('#oauth-keycloak');
    await page.waitForURL(`${server.url}/account?oauth_error=validation_failed`);
    await checkPage(page, 'oauth-refused');
    expect(await page.textContent('#oauth-error')).toBe(
      'The provider did not sign you in (it was cancelled or refused there). Nothing was changed.',
    );
    expect(await page.getAttribute('#sign-in-link', 'href')).toBe(
      `/login?redirect_uri=${encodeURIComponent(`${server.url}/account`)}`,
    );

    // The person takes longer than the state lives (the service's clock moves on while at the provider).
    await context.unroute(startRoute);
    await context.route(startRoute, async (route) => {
      const started = await route.fetch({ maxRedirects: 0 });
      server.clock.advance(11 * 60_000);
      return route.fulfill({ response: started });
    });
    await page.goto(`${server.url}/login`);
    await page.click('#oauth-keycloak');
    await page.waitForURL(`${server.url}/account?oauth_error=challenge_expired`);
    expect(await page.textContent('#oauth-error')).toBe('That took too long: start again.');
    expect(errors).toEqual([]);
  });

  it('links the provider from /account: confirms it is you first, and comes back showing the identity', async () => {
    const { server, op } = await start();
    const user = await register(server);
    op.signIn.person = { sub: 'erin-0001', preferred_username: 'erin-at-keycloak' };
    const { page, errors } = await suite.open('about:blank');
    await signInOnLoginPage(page, server, user);
    // The sign-in is no longer recent: linking asks for the password.
    server.clock.advance(11 * 60_000);
    await page.goto(`${server.url}/account`);
    await page.waitForSelector('#account[data-ready=true]');
    expect(await page.isVisible('#link-oauth-keycloak')).toBe(true);
    expect(await page.textContent('#identity-list')).not.toContain('oauth:keycloak');
    await checkPage(page, 'account-link-oauth');

    await page.click('#link-oauth-keycloak');
    await page.waitForSelector('#prove[open]');
    await checkPage(page, 'account-link-oauth-prove');
    await page.fill('#prove-password', user.password);
    await page.click('#prove-form button[type=submit]');
    await page.waitForURL(`${server.url}/account`);
    await page.waitForSelector('#account[data-ready=true]');
    expect(await page.textContent('#identity-list')).toContain('oauth:keycloak');
    expect(await page.textContent('#identity-list')).toContain('erin-0001');
    expect(await page.isHidden('#link-oauth-keycloak')).toBe(true);
    // Still this account: the provider was linked to it, not signed in to another.
    expect(await page.textContent('#who')).toContain(user.username);
    await checkPage(page, 'account-linked-oauth');
    expect(errors).toEqual([]);
  });

  it('with two-factor on, /login asks for the code and then ends on /account, signed in', async () => {
    const { server, op } = await start();
    const user = await register(server);
    const { secret } = await enableTotp(server, user.token);
    // The provider's identity is linked to the account (through the API, with its bearer token).
    op.signIn.person = { sub: 'frank-0001', preferred_username: 'frank' };
    const linking = await browse(`${server.api}/auth/keycloak`, `${server.api}/auth/keycloak/token`, {
      authorization: `Bearer ${user.token}`,
    });
    const linked = await call(server, 'GET', linking.url.slice(server.url.length), { token: user.token });
    expect(linked.status).toBe(401); // the link is made; signing in with it asks for the code
    server.clock.advance(30_000);

    const { page, errors } = await suite.open(`${server.url}/login`);
    await page.click('#oauth-keycloak');
    await page.waitForSelector('#oauth-totp-panel');
    // The state leaves the address bar; the way back to /account stays.
    await expect
      .poll(() => page.url())
      .toBe(`${server.url}/login?redirect_uri=${encodeURIComponent(`${server.url}/account`)}`);
    await checkPage(page, 'login-oauth-totp');
    // A wrong code ends this sign-in (its state is spent); the provider's button starts another.
    await page.fill('#oauth-totp', '000000');
    await page.click('#oauth-totp-form button[type=submit]');
    await expect.poll(() => page.textContent('#oauth-totp-error')).toMatch(/start again with the button below\.$/);
    expect(await page.isDisabled('#oauth-totp')).toBe(true);
    await page.click('#oauth-keycloak');
    await page.waitForSelector('#oauth-totp:not([disabled])');
    await page.fill('#oauth-totp', await codeAt(secret, server.clock));
    await page.click('#oauth-totp-form button[type=submit]');
    await page.waitForURL(`${server.url}/account`);
    await page.waitForSelector('#account[data-ready=true]');
    expect(await page.textContent('#who')).toContain(user.username);
    expect(errors).toEqual([]);
  });
});
