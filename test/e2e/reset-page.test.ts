import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { ARTIFACTS } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { passwordLinkIn, waitForMail } from '../support/mail.js';
import { checkPage } from '../support/pages.js';
import { call, register, type TestServer } from '../support/server.js';

const RESET_MINUTES = 30;

browserSuite('the password pages in headless Chromium', (suite) => {
  let server: TestServer;

  /** The page as a person sees it (`checkPage`), and one more screenshot under its own name, as the README lists them. */
  const shot = async (page: Page, name: string) => {
    await checkPage(page, name);
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  };
  /** The password link of the `after`-th mail to `to` that carries one, as the .eml in DATA_DIR/mail has it. */
  const mailedLink = async (to: string, after = 0) =>
    passwordLinkIn(await waitForMail(server.dataDir, to, { match: (mail) => passwordLinkIn(mail) !== null, after }))!;
  const setPassword = async (page: Page, password: string, again = password) => {
    await page.fill('#new-password', password);
    await page.fill('#confirm-password', again);
    await page.click('#password-submit');
  };
  const signIn = async (page: Page, username: string, password: string) => {
    await page.fill('#username', username);
    await page.fill('#password', password);
    await page.click('#password-form button[type=submit]');
  };

  it('a person who forgot the password asks on /login, opens the mailed link, sets a new password and signs in with it', async () => {
    server = await suite.startPublicServer({ SERVICE_NAME: 'Acme ID' });
    const user = await register(server);
    const { page, errors } = await suite.open(`${server.url}/login`);
    const requests: { url: string; body: string | null; referer: string | undefined }[] = [];
    page.on(
      'request',
      (request) =>
        void requests.push({ url: request.url(), body: request.postData(), referer: request.headers().referer }),
    );

    await page.click('#forgot-password');
    await page.waitForURL(`${server.url}/forgot-password`);
    expect(await page.title()).toBe('Forgot your password? · Acme ID');
    await page.fill('#email', user.email);
    await page.click('#new-link-submit');
    await page.waitForSelector('#new-link-status:not([hidden])');
    expect(await page.textContent('#new-link-status')).toContain(
      `If an account has this address, a link to choose a new password is on its way. It is valid for ${RESET_MINUTES} minutes`,
    );
    await shot(page, 'forgot-password');

    const link = await mailedLink(user.email);
    expect(link.startsWith(`${server.url}/reset-password?token=`)).toBe(true);
    const token = new URL(link).searchParams.get('token')!;
    await page.goto(link);
    expect(await page.title()).toBe('Choose a new password · Acme ID');
    // The token left the address bar as soon as the page read it.
    expect(page.url()).toBe(`${server.url}/reset-password`);
    await shot(page, 'reset-password');

    await setPassword(page, 'Brand-new-secret-77', 'Brand-new-secret-78');
    await expect
      .poll(() => page.textContent('#password-error'))
      .toBe('The two passwords are not the same: type the same new password twice.');
    await setPassword(page, 'abababab');
    await expect
      .poll(() => page.textContent('#password-error'))
      .toBe(
        'Choose another password. Repeated character patterns like "abcabcabc" are easy to guess. Add more words that are less common. Avoid repeated words and characters.',
      );
    // A reload of the tab keeps the link working, though the address no longer shows the token.
    await page.reload();
    expect(await page.isVisible('#password-form')).toBe(true);
    await setPassword(page, 'Brand-new-secret-77');
    await page.waitForSelector('#done:not([hidden])');
    expect(await page.textContent('#done')).toContain(
      'Your new password is set. Every session, API key and ACL token of your account has ended',
    );
    expect(await page.isHidden('#password-panel')).toBe(true);
    await shot(page, 'reset-password-done');

    await page.click('#done-link');
    await page.waitForURL(`${server.url}/login`);
    await signIn(page, user.username, user.password);
    await expect.poll(() => page.textContent('#password-error')).toBe('Invalid username or password');
    await signIn(page, user.username, 'Brand-new-secret-77');
    await page.waitForSelector('#success:not([hidden])');
    expect(await page.textContent('#success')).toBe(`Signed in as ${user.username}.`);

    // The token went out once per attempt, in a PUT body, and in no address and no Referer.
    const withToken = requests.filter((r) => r.url.includes(encodeURIComponent(token)) || r.url.includes(token));
    expect(withToken.map((r) => r.url)).toEqual([link]);
    const puts = requests.filter((r) => r.body?.includes(token));
    expect(puts.map((r) => r.url)).toEqual(Array(2).fill(`${server.url}/api/v1/auth/reset-password`));
    expect(requests.filter((r) => r.referer?.includes('token'))).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('an expired link says so, and the same page mails a new one that works', async () => {
    server = await suite.startPublicServer();
    const user = await register(server);
    await call(server, 'POST', '/auth/reset-password', { body: { email: user.email } });
    const link = await mailedLink(user.email);
    server.clock.advance((RESET_MINUTES + 1) * 60_000);

    const { page, errors } = await suite.open(link);
    await setPassword(page, 'Brand-new-secret-77');
    await page.waitForSelector('#link-problem:not([hidden])');
    expect(await page.textContent('#link-problem')).toBe('This link has expired. Ask for a new link below.');
    expect([await page.isHidden('#password-panel'), await page.isVisible('#new-link-form')]).toEqual([true, true]);
    await page.fill('#email', user.email);
    await page.click('#new-link-submit');
    await page.waitForSelector('#new-link-status:not([hidden])');
    await shot(page, 'reset-password-expired');

    const fresh = await mailedLink(user.email, 1);
    expect(fresh).not.toBe(link);
    const again = await suite.open(fresh);
    await setPassword(again.page, 'Brand-new-secret-77');
    await again.page.waitForSelector('#done:not([hidden])');
    expect([...errors, ...again.errors]).toEqual([]);
  });

  it('a used link, a link cut short and the page without a link each say so and offer a new link', async () => {
    server = await suite.startPublicServer();
    const user = await register(server);
    await call(server, 'POST', '/auth/reset-password', { body: { email: user.email } });
    const link = await mailedLink(user.email);

    const first = await suite.open(link);
    await setPassword(first.page, 'Brand-new-secret-77');
    await first.page.waitForSelector('#done:not([hidden])');
    const second = await suite.open(link);
    await setPassword(second.page, 'Another-secret-88');
    await second.page.waitForSelector('#link-problem:not([hidden])');
    const noLongerWorks =
      'This link no longer works: it was already used, something newer replaced it (a newer link, password or email address), or it was damaged on its way. Ask for a new link below.';
    expect(await second.page.textContent('#link-problem')).toBe(noLongerWorks);
    expect(await second.page.isVisible('#new-link-form')).toBe(true);
    await shot(second.page, 'reset-password-used');

    // A newer link cut short on its way: in the middle of the token, or in its secret (one wrong try spends it).
    await call(server, 'POST', '/auth/reset-password', { body: { email: user.email } });
    const newer = await mailedLink(user.email, 1);
    const cut = await suite.open(newer.slice(0, newer.indexOf('token=') + 'token='.length + 20));
    await setPassword(cut.page, 'Another-secret-88');
    await cut.page.waitForSelector('#link-problem:not([hidden])');
    expect(await cut.page.textContent('#link-problem')).toBe(
      'This link is not valid: it may have been cut short or changed on its way. Ask for a new link below.',
    );
    const damaged = await suite.open(newer.slice(0, -6));
    await setPassword(damaged.page, 'Another-secret-88');
    await damaged.page.waitForSelector('#link-problem:not([hidden])');
    expect(await damaged.page.textContent('#link-problem')).toBe(noLongerWorks);

    const bare = await suite.open(`${server.url}/reset-password`);
    expect(await bare.page.textContent('#link-problem')).toBe(
      'This page needs the link from your mail: open it again from there, or ask for a new link below.',
    );
    expect([await bare.page.isHidden('#password-panel'), await bare.page.isVisible('#new-link-form')]).toEqual([
      true,
      true,
    ]);
    // Only the new password counts: the old one and the second try do not sign in.
    expect(
      (await call(server, 'POST', '/auth', { body: { username: user.username, password: 'Another-secret-88' } }))
        .status,
    ).toBe(401);
    expect(
      (await call(server, 'POST', '/auth', { body: { username: user.username, password: 'Brand-new-secret-77' } }))
        .status,
    ).toBe(200);
    expect([...first.errors, ...second.errors, ...cut.errors, ...damaged.errors, ...bare.errors]).toEqual([]);
  });

  it("shows the server's own words for an answer it has none of its own for (a code added later)", async () => {
    server = await suite.startPublicServer();
    const { page, errors } = await suite.open(
      `${server.url}/reset-password?token=0b5f7c2e-4b1d-4d8e-9a51-2f9d3c8a6e10.secret`,
    );
    await page.route('**/api/v1/auth/reset-password', (route) =>
      route.fulfill({
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({ detail: 'This password is on a list kept by a later version', code: 'password_listed' }),
      }),
    );
    await setPassword(page, 'Brand-new-secret-77');
    await expect
      .poll(() => page.textContent('#password-error'))
      .toBe('This password is on a list kept by a later version.');
    expect(await page.isVisible('#password-form')).toBe(true);
    await page.unroute('**/api/v1/auth/reset-password');
    await page.route('**/api/v1/auth/reset-password', (route) => route.abort());
    await setPassword(page, 'Brand-new-secret-77');
    await expect
      .poll(() => page.textContent('#password-error'))
      .toBe('The service could not be reached. Check your connection and try again.');
    expect(errors).toEqual([]);
  });

  it('the forgot-password form is limited per IP like the API it calls, and says when to try again', async () => {
    server = await suite.startPublicServer({ RATE_LIMIT_MAX: '2' });
    const { page, errors } = await suite.open(`${server.url}/forgot-password`);
    for (let i = 0; i < 2; i += 1) {
      await page.fill('#email', `someone${i}@example.test`);
      await page.click('#new-link-submit');
      await page.waitForSelector('#new-link-status:not([hidden])');
    }
    await page.fill('#email', 'someone@example.test');
    await page.click('#new-link-submit');
    await page.waitForSelector('#new-link-error:not([hidden])');
    expect(await page.textContent('#new-link-error')).toMatch(
      /^Too many attempts from your network\. Try again in \d+ seconds\.$/,
    );
    expect(await page.isHidden('#new-link-status')).toBe(true);
    expect(errors).toEqual([]);
  });

  it('an admin-made account chooses its first password on the mailed /set-password page and signs in on /login', async () => {
    server = await suite.startPublicServer({ SERVICE_NAME: 'Acme ID' });
    const admin = await register(server);
    const made = await call(server, 'POST', '/admin/users', {
      token: admin.token,
      body: { username: 'grace', email: 'grace@example.test', send_mail: true },
    });
    expect(made.status).toBe(201);
    const link = await mailedLink('grace@example.test');
    expect(link.startsWith(`${server.url}/set-password?token=`)).toBe(true);

    const { page, errors } = await suite.open(link);
    expect(await page.title()).toBe('Choose your password · Acme ID');
    expect(await page.textContent('#intro')).toContain('An administrator made you an account at Acme ID.');
    await shot(page, 'set-password');
    await setPassword(page, 'Her-own-pass-4217');
    await page.waitForSelector('#done:not([hidden])');
    expect(await page.textContent('#done')).toContain('Your password is set.');
    await page.click('#done-link');
    await page.waitForURL(`${server.url}/login`);
    await signIn(page, 'grace', 'Her-own-pass-4217');
    await page.waitForSelector('#success:not([hidden])');
    // Setting it lifted must_reset_password: the page does not ask for another change.
    expect(await page.textContent('#success')).toBe('Signed in as grace.');
    expect(errors).toEqual([]);
  });
});
