import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { browserSuite } from '../support/browser-suite.js';
import { askSignInCode, signUpOnRegisterPage, useSignInCode, verifyAddressOnPage } from '../support/person-pages.js';
import { checkPage as checked } from '../support/pages.js';
import { call, newUser, register, type TestServer } from '../support/server.js';

browserSuite('/register, and the ways in /login offers, in headless Chromium', (suite) => {
  let server: TestServer;
  const open = (path: string) => suite.open(`${server.url}${path}`);
  /** The meter's words and value once it judged `password` (the page asks the server a moment after typing stops). */
  const strengthAfter = async (page: Page, password: string, expected: RegExp) => {
    await page.fill('#password', password);
    await expect.poll(() => page.textContent('#strength-text')).toMatch(expected);
    return page.$eval('#strength-meter', (m) => (m as unknown as { value: number }).value);
  };

  it('signs up with a live strength meter, shows a refusal, signs out, and signs in again with a mailed code', async () => {
    server = await suite.startPublicServer({ SERVICE_NAME: 'Acme ID' });
    await register(server); // the first account (the superadmin) is made
    const person = newUser();
    const { page, errors } = await open('/login');
    await page.click('#register-link');
    await page.waitForURL(`${server.url}/register`);
    expect(await page.title()).toBe('Create an account · Acme ID');
    await checked(page, 'register');

    await page.fill('#username', person.username);
    await page.fill('#email', person.email);
    const weak = await strengthAfter(
      page,
      'abababab',
      /^(Very weak|Weak|Fair): not strong enough yet\. Repeated character patterns/,
    );
    expect(weak).toBeLessThan(3);
    expect(
      await strengthAfter(page, person.password, /^(Strong|Very strong): strong enough\.$/),
    ).toBeGreaterThanOrEqual(3);
    await page.fill('#password', person.username); // the account's own name scores as the guess it is
    await expect.poll(() => page.textContent('#strength-text')).toMatch(/not strong enough yet/);

    // The server's refusal is shown, whatever the meter said.
    await page.click('#register-submit');
    await expect.poll(() => page.textContent('#register-error')).toMatch(/^Choose another password\. /);
    await checked(page, 'register-refused');
    await page.fill('#password', person.password);
    await page.click('#register-submit');
    await page.waitForSelector('#success:not([hidden])');
    expect(await page.textContent('#success')).toBe(`Signed in as ${person.username}.`);
    expect(await page.isVisible('#verify-email')).toBe(true);
    await checked(page, 'register-done');

    await page.click('#sign-out');
    await page.waitForURL(`${server.url}/login`);
    expect(await (await page.request.get(`${server.api}/auth`)).status()).toBe(401);
    const code = await askSignInCode(page, server, person.email);
    await checked(page, 'login-email-code');
    await useSignInCode(page, code);
    expect(await page.textContent('#success')).toBe(`Signed in as ${person.username}.`);

    // Signing in with the mailed code proved the address: /verify-email says so.
    await page.goto(`${server.url}/verify-email`);
    await expect
      .poll(() => page.textContent('#verify-status'))
      .toBe(`Your address ${person.email} is already verified.`);
    expect(errors).toEqual([]);
  }, 90_000);

  it('invite-only registration takes the code from ?invite=, then verifies the address; closed registration says so', async () => {
    server = await suite.startPublicServer({ REGISTRATION: 'invite' });
    const admin = await register(server);
    const invite = await call(server, 'POST', '/auth/invites', { token: admin.token, body: { uses: 1 } });
    const without = await open('/register');
    expect(await without.page.isVisible('#invite-only')).toBe(true);
    expect(await without.page.inputValue('#invite')).toBe('');

    const person = newUser();
    const { page, errors } = await open(`/register?invite=${encodeURIComponent(invite.body.token)}`);
    expect(await page.inputValue('#invite')).toBe(invite.body.token);
    expect(page.url()).toBe(`${server.url}/register`); // the code left the address bar
    await checked(page, 'register-invite');
    await signUpOnRegisterPage(page, person);
    expect(await page.textContent('#success')).toBe(`Signed in as ${person.username}.`);

    // The new address is verified on /verify-email: the page mails a code to the signed-in account.
    await page.click('#verify-email a');
    await page.waitForSelector('#send-form:not([hidden])');
    await checked(page, 'verify-email');
    await verifyAddressOnPage(page, server, person.email);
    expect([...errors, ...without.errors]).toEqual([]);
    await server.close();

    server = await suite.startPublicServer({ REGISTRATION: 'closed' });
    await register(server);
    const closed = await open('/register');
    expect(await closed.page.textContent('#registration-closed')).toContain('Registration is closed');
    expect(await closed.page.locator('#register-form').count()).toBe(0);
    await checked(closed.page, 'register-closed');
    const login = await open('/login');
    expect(await login.page.locator('#register-link').count()).toBe(0);
    expect([...closed.errors, ...login.errors]).toEqual([]);
  }, 90_000);

  it('Nostr: no panel without an extension; with one (a stub signing with a test key) it signs in', async () => {
    server = await suite.startPublicServer();
    await register(server);
    const bare = await open('/login');
    expect(await bare.page.isHidden('#nostr-panel')).toBe(true);

    const secret = generateSecretKey();
    const context = await suite.browser.newContext();
    await context.exposeFunction('signWithTestKey', (event: Parameters<typeof finalizeEvent>[0]) =>
      finalizeEvent(event, secret),
    );
    await context.addInitScript(() => {
      const w = globalThis as unknown as { nostr: unknown; signWithTestKey: (e: unknown) => Promise<unknown> };
      w.nostr = { signEvent: (event: unknown) => w.signWithTestKey(event) };
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load') && errors.push(m.text()));
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.url}/login`);
    await page.waitForSelector('#nostr-panel:not([hidden])');
    await checked(page, 'login-nostr');
    await page.click('#nostr-sign-in');
    await page.waitForSelector('#success:not([hidden])');
    expect(await page.textContent('#success')).toBe(`Signed in as nostr_${getPublicKey(secret).slice(0, 12)}.`);
    expect([...errors, ...bare.errors]).toEqual([]);
    await context.close();
  });

  it('one button per configured OAuth provider, leading to its start route', async () => {
    server = await suite.startPublicServer({
      OAUTH_GITHUB_CLIENT_ID: 'client',
      OAUTH_GITHUB_CLIENT_SECRET: 'a-long-secret',
    });
    const { page, errors } = await open('/login');
    const href = await page.getAttribute('#oauth-github', 'href');
    expect([href, await page.textContent('#oauth-github')]).toEqual([
      `/api/v1/auth/github?redirect_uri=${encodeURIComponent(`${server.url}/account`)}`,
      'Continue with Github',
    ]);
    await checked(page, 'login-oauth');
    const start = await fetch(`${server.url}${href}`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    expect(start.headers.get('location')).toMatch(/^https:\/\/github\.com\/login\/oauth\/authorize\?/);
    expect(errors).toEqual([]);
  });
});
