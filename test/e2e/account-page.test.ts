import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { browserSuite } from '../support/browser-suite.js';
import { screenshotAll, seriousViolations } from '../support/pages.js';
import { bech32 } from 'bech32';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { call, freePort, register, type TestServer } from '../support/server.js';
import { lightningWallet } from '../support/signers.js';
import { codeAt } from '../support/totp.js';
import { nextCode, openAccountPage, signInOnLoginPage } from '../support/account-page.js';

const signIn = (page: Page, server: TestServer, user: { username: string; password: string }, code?: string) =>
  signInOnLoginPage(page, server, user, code);
const openAccount = (page: Page, server: TestServer) => openAccountPage(page, server.url);

browserSuite('the /account page in headless Chromium', (suite) => {
  it('manages the account through the API: name, 2FA, API keys, sessions, export, deletion', {
    timeout: 120_000,
  }, async () => {
    const server = await suite.startServer({ SERVICE_NAME: 'Acme ID' });
    await register(server); // the superadmin, who may not delete their account
    const user = await register(server);

    const { page, errors } = await suite.open(`${server.url}/account`);
    // Signed out: nothing of an account, a way to sign in.
    // (back to /account afterwards: the service's own page needs no ALLOWED_REDIRECTS)
    expect(await page.getAttribute('#sign-in-link', 'href')).toBe(
      `/login?redirect_uri=${encodeURIComponent('http://localhost:0/account')}`,
    );

    await signIn(page, server, user);
    await openAccount(page, server);
    expect(await page.title()).toBe('Your account · Acme ID');
    expect(await page.textContent('#who')).toBe(`Signed in as ${user.username}.`);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotAll(page, 'account');

    // Profile: the display name, through PUT /auth/me.
    await page.fill('#display-name', 'Ada L.');
    await page.click('#profile-submit');
    await expect.poll(() => page.textContent('#profile-status')).toBe('Saved.');
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).body.display_name).toBe('Ada L.');
    expect(await page.textContent('#who')).toBe('Signed in as Ada L..');

    // Two-factor: the secret beside the QR code, a code made from it, the backup codes once.
    await page.click('#totp-start');
    await page.waitForSelector('#totp-setup:not([hidden])');
    const secret = (await page.textContent('#totp-secret'))!;
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await page.waitForSelector('#totp-qr:not([hidden])');
    expect(await page.getAttribute('#totp-qr', 'src')).toMatch(/^data:image\/svg\+xml;base64,/);
    await screenshotAll(page, 'account-2fa-setup');
    await page.fill('#totp-code', await codeAt(secret, server.clock));
    await page.click('#totp-enable');
    await page.waitForSelector('#backup-codes:not([hidden])');
    const backupCodes = await page.locator('#backup-code-list code').allTextContents();
    expect(backupCodes.length).toBeGreaterThanOrEqual(8);
    expect(await page.textContent('#totp-state')).toBe('Two-factor sign-in is on.');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotAll(page, 'account-2fa');
    await openAccount(page, server);
    expect(await page.isVisible('#backup-codes')).toBe(false);
    expect(await page.isVisible('#totp-disable-form')).toBe(true);

    // An API key: its secret shown once, working until it is revoked.
    await page.fill('#key-name', 'ci deploy');
    await page.click('#key-create');
    await page.waitForSelector('#key-secret:not([hidden])');
    const key = (await page.textContent('#key-secret code'))!;
    expect((await call(server, 'GET', '/auth/me', { headers: { 'x-api-key': key } })).status).toBe(200);
    await page.click('button[aria-label="Revoke: ci deploy"]');
    await expect.poll(() => page.textContent('#keys-status')).toBe('Revoked.');
    expect(await page.locator('#key-list li').allTextContents()).toEqual(['None yet.']);
    expect((await call(server, 'GET', '/auth/me', { headers: { 'x-api-key': key } })).status).toBe(401);

    // Another session, made through the API, ended from the page.
    const other = await call(server, 'POST', '/auth', {
      body: { username: user.username, password: user.password, totp_code: await nextCode(server, secret) },
    });
    expect(other.status).toBe(200);
    await openAccount(page, server);
    const sessionsBefore = await page.locator('#session-list > li').count();
    await page.locator('#session-list button').first().click();
    await expect.poll(() => page.textContent('#sessions-status')).toBe('Session ended.');
    await expect.poll(() => page.locator('#session-list > li').count()).toBeLessThan(sessionsBefore);
    expect((await call(server, 'GET', '/auth/me', { token: other.body.access_token })).status).toBe(401);

    // Download my data: the file the export route sends.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-link')]);
    expect(download.suggestedFilename()).toMatch(/^account-\d{4}-\d\d-\d\d\.json$/);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(exported.account).toMatchObject({ username: user.username, display_name: 'Ada L.', totp_enabled: true });

    // Signed out, then in again with the password and the two-factor code.
    await page.click('#sign-out');
    await page.waitForSelector('#signed-out:not([hidden])');
    await signIn(page, server, user, await nextCode(server, secret));
    await openAccount(page, server);

    // Deleted: with the password and a code, as the API asks; then signing in no longer works.
    await page.fill('#delete-password', user.password);
    await page.fill('#delete-totp', await nextCode(server, secret));
    await page.click('#delete-submit');
    await expect.poll(() => page.textContent('#signed-out-text')).toBe('Your account is deleted. Goodbye.');
    const again = await call(server, 'POST', '/auth', {
      body: { username: user.username, password: user.password, totp_code: await nextCode(server, secret) },
    });
    expect(again.status).toBe(401);
    // No script or style broke the page's Content-Security-Policy, and no request of it failed in its script.
    expect(errors).toEqual([]);
  });

  it('refuses a change authenticated by the cookie alone, without the CSRF header (403)', async () => {
    const server = await suite.startServer();
    const user = await register(server);
    // A browser session from the API: the cookies are set only for a same-origin request.
    const login = await fetch(`${server.api}/auth?session=cookie`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ username: user.username, password: user.password }),
    });
    expect(login.status).toBe(200);
    const cookies = login.headers.getSetCookie().map((c) => c.split(';')[0]!);
    const cookie = cookies.join('; ');
    const csrf = cookies.find((c) => c.startsWith('accounts_csrf='))!.slice('accounts_csrf='.length);
    const change = (headers: Record<string, string>) =>
      call(server, 'PUT', '/auth/me', { body: { display_name: 'Changed' }, headers: { cookie, ...headers } });
    const refused = await change({});
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('forbidden');
    expect((await change({ 'x-csrf-token': 'not-the-cookie-value-at-all-000000' })).status).toBe(403);
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).body.display_name).toBeNull();
    const allowed = await change({ 'x-csrf-token': csrf });
    expect(allowed.status).toBe(200);
    expect(allowed.body.display_name).toBe('Changed');
    // The page's own route is held to the same rule.
    const qr = await call(server, 'POST', '/account/qr', {
      body: { uri: 'otpauth://totp/x' },
      headers: { cookie },
    });
    expect(qr.status).toBe(403);
    const drawn = await call(server, 'POST', '/account/qr', {
      body: { uri: 'otpauth://totp/Acme:ada?secret=JBSWY3DPEHPK3PXP&issuer=Acme' },
      headers: { cookie, 'x-csrf-token': csrf },
    });
    expect(drawn.body).toMatchObject({ data_url: expect.stringMatching(/^data:image\/svg\+xml;base64,/) });
  });

  it('comes back to /account after signing in, and links a Lightning wallet and a Nostr key (then unlinks one)', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = await suite.startServer({
      PORT: String(port),
      PUBLIC_URL: url,
      ALLOWED_REDIRECTS: `${url}/account`,
    });
    const user = await register(server);
    const { page, context, errors } = await suite.open(`${url}/account`);
    // The page's Nostr signer (NIP-07), played by the test: it signs in Node with a key of its own.
    const secret = generateSecretKey();
    await page.exposeFunction('testNostrSign', (event: Parameters<typeof finalizeEvent>[0]) =>
      finalizeEvent(event, secret),
    );
    await context.addInitScript('window.nostr = { signEvent: (event) => window.testNostrSign(event) };');

    // Signed out: /login, allowed to send the person back here since ALLOWED_REDIRECTS lists the page.
    await page.click('#sign-in-link');
    await page.fill('#username', user.username);
    await page.fill('#password', user.password);
    await page.click('#password-form button[type=submit]');
    await page.waitForURL(`${url}/account`);
    await page.waitForSelector('#account[data-ready=true]');

    // The wallet: reads the LNURL off the page, signs the k1 of its callback.
    await page.click('#link-lnurl');
    await page.waitForSelector('#lnurl-link:not([hidden])');
    expect(await page.getAttribute('#lnurl-qr', 'src')).toMatch(/^data:image\/svg\+xml;base64,/);
    const link = (await page.getAttribute('#lnurl-link-open', 'href'))!;
    const callback = new URL(
      Buffer.from(
        bech32.fromWords(bech32.decode(link.slice('lightning:'.length).toLowerCase(), 1023).words),
      ).toString(),
    );
    const wallet = lightningWallet();
    callback.searchParams.set('sig', wallet.sign(callback.searchParams.get('k1')!));
    callback.searchParams.set('key', wallet.key);
    expect(await (await fetch(callback)).json()).toEqual({ status: 'OK' });
    await expect.poll(() => page.textContent('#identities-status'), { timeout: 10_000 }).toBe('Linked.');
    expect(await page.textContent('#identity-list')).toContain(wallet.key);

    await page.click('#link-nostr');
    const pubkey = getPublicKey(secret);
    await expect.poll(() => page.textContent('#identity-list')).toContain(pubkey);
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).body.nostr_pubkeys).toEqual([pubkey]);

    await page.click(`button[aria-label="Unlink: nostr ${pubkey}"]`);
    await expect.poll(() => page.textContent('#identities-status')).toBe('Revoked.');
    expect(await page.textContent('#identity-list')).not.toContain(pubkey);
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
