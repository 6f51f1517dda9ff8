import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bech32 } from 'bech32';
import { generate } from 'otplib';
import { expect, it } from 'vitest';
import { ARTIFACTS } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { screenshotAll, seriousViolations } from '../support/pages.js';
import { call, freePort, register, type TestServer } from '../support/server.js';

browserSuite('the /login page in headless Chromium', (suite) => {
  let server: TestServer;
  const open = (path = '/login') => suite.open(`${server.url}${path}`);

  it('signs in with the password form, and leaves a screenshot of the page', async () => {
    server = await suite.startServer({ SERVICE_NAME: 'Acme ID' });
    const user = await register(server);
    const { page, errors } = await open();
    expect(await page.title()).toBe('Sign in · Acme ID');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'login-page.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotAll(page, 'login');
    // Every way in that is on by default has its panel; Nostr waits for an extension, OAuth for a provider.
    expect(await page.isVisible('#email-code-panel')).toBe(true);
    expect(await page.isHidden('#nostr-panel')).toBe(true);
    expect(await page.locator('#oauth-panel').count()).toBe(0);
    expect(await page.getAttribute('#register-link', 'href')).toBe('/register');

    await page.fill('#username', user.username);
    await page.fill('#password', 'not-the-password');
    await page.click('#password-form button[type=submit]');
    await expect.poll(() => page.textContent('#password-error')).toBe('Invalid username or password');

    await page.fill('#password', user.password);
    await page.click('#password-form button[type=submit]');
    await page.waitForSelector('#success:not([hidden])');
    expect(await page.textContent('#success')).toBe(`Signed in as ${user.username}.`);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotAll(page, 'login-signed-in');
    // No script or style broke the page's own Content-Security-Policy.
    expect(errors).toEqual([]);
  });

  it('asks for the two-factor code when the account has one', async () => {
    server = await suite.startServer();
    const user = await register(server);
    const setup = await call(server, 'GET', '/auth/totp', { token: user.token });
    const code = () => generate({ secret: setup.body.secret, epoch: Math.floor(server.clock.now().getTime() / 1000) });
    expect((await call(server, 'POST', '/auth/totp', { token: user.token, body: { code: await code() } })).status).toBe(
      200,
    );
    server.clock.advance(30_000);

    const { page } = await open();
    await page.fill('#username', user.username);
    await page.fill('#password', user.password);
    await page.click('#password-form button[type=submit]');
    await page.waitForSelector('#totp-field:not([hidden])');
    await page.fill('#totp', await code());
    await page.click('#password-form button[type=submit]');
    await page.waitForSelector('#success:not([hidden])');
    expect(await page.textContent('#success')).toBe(`Signed in as ${user.username}.`);
  });

  it('signs in with a Lightning wallet: the test is the wallet, signing the k1 it reads off the page', async () => {
    server = await suite.startServer();
    const { page, errors } = await open();
    expect(await page.locator('.qr svg').count()).toBe(1);
    const k1 = (await page.getAttribute('#lnurl', 'data-k1'))!;
    const link = (await page.getAttribute('#lightning-link', 'href'))!;
    expect(link.startsWith('lightning:LNURL1')).toBe(true);
    const callbackUrl = Buffer.from(
      bech32.fromWords(bech32.decode(link.slice('lightning:'.length).toLowerCase(), 1023).words),
    ).toString('utf8');
    expect(new URL(callbackUrl).searchParams.get('k1')).toBe(k1);

    // The wallet: a linking key, a DER signature over k1, and the callback with both.
    const secret = secp256k1.utils.randomSecretKey();
    const key = Buffer.from(secp256k1.getPublicKey(secret, true)).toString('hex');
    const sig = Buffer.from(secp256k1.sign(Buffer.from(k1, 'hex'), secret, { prehash: false, format: 'der' })).toString(
      'hex',
    );
    const walletCall = new URL(callbackUrl.replace(/^http:\/\/localhost:\d+/, server.url));
    walletCall.searchParams.set('sig', sig);
    walletCall.searchParams.set('key', key);
    expect(await (await fetch(walletCall)).json()).toEqual({ status: 'OK' });

    await page.waitForSelector('#success:not([hidden])', { timeout: 10_000 });
    expect(await page.textContent('#success')).toMatch(/^Signed in as lnurl_[0-9a-f]{12}\.$/);
    expect(errors).toEqual([]);
  });

  it('signs in with a browser session (an HttpOnly cookie) and goes to an allow-listed redirect_uri, never to another', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    server = await suite.startServer({
      PORT: String(port),
      PUBLIC_URL: url,
      ALLOWED_REDIRECTS: `${url}/api/v1/auth/me`,
    });
    const user = await register(server);

    const refused = await open(`/login?redirect_uri=${encodeURIComponent('https://evil.example.test/steal')}`);
    expect(await refused.page.isVisible('#redirect-refused')).toBe(true);
    await refused.page.fill('#username', user.username);
    await refused.page.fill('#password', user.password);
    await refused.page.click('#password-form button[type=submit]');
    await refused.page.waitForSelector('#success:not([hidden])');
    expect(refused.page.url()).toBe(
      `${url}/login?redirect_uri=${encodeURIComponent('https://evil.example.test/steal')}`,
    );

    const { page, context, errors } = await open(`/login?redirect_uri=${encodeURIComponent(`${url}/api/v1/auth/me`)}`);
    await page.fill('#username', user.username);
    await page.fill('#password', user.password);
    await page.click('#password-form button[type=submit]');
    await page.waitForURL(`${url}/api/v1/auth/me`);
    // The redirect target read the account through the cookie alone.
    expect(JSON.parse((await page.textContent('body'))!)).toMatchObject({ username: user.username });
    const cookies = await context.cookies(url);
    const session = cookies.find((c) => c.name === 'accounts_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(await page.evaluate('document.cookie')).not.toContain('accounts_session');
    expect(await page.evaluate('document.cookie')).toContain('accounts_csrf');
    expect(errors).toEqual([]);
  });
});
