import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { ARTIFACTS } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { freePort, newUser, type TestServer } from '../support/server.js';

/**
 * The sign-in page with a real browser's WebAuthn: Chromium's virtual authenticator (DevTools
 * protocol, `WebAuthn` domain) stands in for a platform authenticator: CTAP2, internal transport,
 * resident keys, user verification. The page signs up with a passkey, signs out, and signs in
 * again with it. (`localhost`, not 127.0.0.1: an IP address cannot be an RP ID.)
 */
browserSuite('passkeys on /login in headless Chromium', (suite) => {
  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const virtualAuthenticator = async (page: Page) => {
    const cdp: CDPSession = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return { cdp, authenticatorId };
  };
  const api = (page: Page, method: string, path: string) =>
    page.evaluate(
      async ([m, p]) => {
        const response = await fetch(`/api/v1${p}`, {
          method: m,
          headers: { 'content-type': 'application/json' },
          ...(m === 'GET' ? {} : { body: '{}' }),
        });
        return { status: response.status, body: (await response.json().catch(() => null)) as any };
      },
      [method, path] as const,
    );

  it('signs up with a passkey, signs out, and signs in again with it (no username typed)', async () => {
    const port = await freePort();
    const server = await suite.startServer({
      PORT: String(port),
      PUBLIC_URL: `http://localhost:${port}`,
      SERVICE_NAME: 'Acme ID',
    });
    await startFirstAccount(server);
    const { page, errors } = await suite.open(`http://localhost:${port}/login`);
    const { cdp, authenticatorId } = await virtualAuthenticator(page);
    // The page was loaded before the authenticator existed: load it again so autofill sees it.
    await page.reload();
    expect(await page.isVisible('#passkey-sign-in')).toBe(true);

    const { username, email } = newUser();
    await page.click('#passkey-sign-up summary');
    await page.fill('#new-username', username);
    await page.fill('#new-email', email);
    await shot(page, 'passkey-sign-up');
    await page.click('#passkey-sign-up-form button[type=submit]');
    await page.waitForSelector('#success:not([hidden])');
    expect(await page.textContent('#success')).toBe(`Signed in as ${username}.`);
    await shot(page, 'passkey-signed-up');

    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    const account = await api(page, 'GET', '/auth');
    expect(account.body).toMatchObject({ username, has_password: false, auth_methods: ['passkey'] });
    expect(account.body.passkeys).toHaveLength(1);

    expect((await api(page, 'POST', '/auth/logout')).status).toBe(200);
    expect((await api(page, 'GET', '/auth')).status).toBe(401);

    await page.goto(`http://localhost:${port}/login`);
    // Autofill may already have offered the passkey; otherwise the button asks for it.
    if (await page.isVisible('#passkey-sign-in')) await page.click('#passkey-sign-in');
    await page.waitForSelector('#success:not([hidden])');
    expect(await page.textContent('#success')).toBe(`Signed in as ${username}.`);
    await shot(page, 'passkey-signed-in');
    expect((await api(page, 'GET', '/auth')).body.id).toBe(account.body.id);
    expect(errors).toEqual([]);
  });
});

/** The service's first account is its superadmin: made first, so the page's account is an ordinary one. */
async function startFirstAccount(server: TestServer) {
  const { call } = await import('../support/server.js');
  const answer = await call(server, 'POST', '/auth/register', { body: newUser() });
  expect(answer.status).toBe(201);
}
