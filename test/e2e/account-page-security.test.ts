import { expect, it } from 'vitest';
import { openAccountPage, signInOnLoginPage } from '../support/account-page.js';
import { browserSuite } from '../support/browser-suite.js';
import { codeIn, waitForMail } from '../support/mail.js';
import { seriousViolations } from '../support/pages.js';
import { call, freePort, register } from '../support/server.js';
import { enableTotp } from '../support/totp.js';
import { nextCode } from '../support/account-page.js';

/** The account page's proofs: the "confirm it is you" dialog, with the keyboard alone, and passkeys. */
browserSuite('the /account page asks for proof, in headless Chromium', (suite) => {
  it('asks an older session to confirm with its password before an API key is made, with the keyboard alone', async () => {
    const server = await suite.startServer();
    const user = await register(server);
    const { page, errors } = await suite.open(`${server.url}/login`);
    await signInOnLoginPage(page, server, user);
    await openAccountPage(page, server.url);
    // The sign-in no longer counts as proof (REAUTH_WINDOW is 10 minutes).
    server.clock.advance(11 * 60_000);

    // The focus is visible where the keyboard puts it.
    await page.focus('#key-name');
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).not.toBe('none');

    await page.focus('#key-name');
    await page.keyboard.type('laptop');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#prove[open]');
    // Escape closes the dialog: nothing is made.
    await page.keyboard.press('Escape');
    await expect.poll(() => page.textContent('#keys-status')).toBe('Not confirmed: nothing was changed.');
    expect((await call(server, 'GET', '/auth/me/tokens', { token: user.token })).body).toEqual([]);

    await page.focus('#key-create');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#prove[open]');
    expect(await page.evaluate('document.activeElement.closest("dialog")?.id')).toBe('prove');
    expect(await seriousViolations(page)).toEqual([]);
    await page.focus('#prove-password');
    await page.keyboard.type(user.password);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#key-secret:not([hidden])');
    expect(await page.textContent('#key-secret code')).toMatch(/^ak_/);
    expect(await page.isVisible('#prove')).toBe(false);
    expect((await call(server, 'GET', '/auth/me/tokens', { token: user.token })).body).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('adds a passkey (with the password as proof) and removes it', async () => {
    // `localhost`, not 127.0.0.1: an IP address cannot be a passkey's RP ID.
    const port = await freePort();
    const base = `http://localhost:${port}`;
    const server = await suite.startServer({ PORT: String(port), PUBLIC_URL: base });
    const user = await register(server);
    const { page, errors } = await suite.open(`${base}/login`);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    await signInOnLoginPage(page, server, user, undefined, base);
    await openAccountPage(page, base);

    await page.click('#passkey-add');
    await page.fill('#prove-password', user.password);
    await page.click('#prove-submit');
    await expect.poll(() => page.textContent('#passkeys-status')).toBe('Passkey added.');
    await expect.poll(() => page.locator('#passkey-list button').count()).toBe(1);
    expect((await call(server, 'GET', '/auth/passkeys', { token: user.token })).body).toHaveLength(1);

    await page.locator('#passkey-list button').click();
    await page.fill('#prove-password', user.password);
    await page.click('#prove-submit');
    await expect.poll(() => page.locator('#passkey-list li').allTextContents()).toEqual(['None yet.']);
    expect((await call(server, 'GET', '/auth/passkeys', { token: user.token })).body).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('opens only the password change to an admin-made account until it has chosen its own', async () => {
    const server = await suite.startServer();
    const admin = await register(server);
    const made = await call(server, 'POST', '/admin/users', {
      token: admin.token,
      body: { username: 'newhire', email: 'newhire@example.test' },
    });
    const temporary = made.body.temporary_password as string;
    const { page, errors } = await suite.open(`${server.url}/login`);
    await signInOnLoginPage(page, server, { username: 'newhire', password: temporary });
    await openAccountPage(page, server.url);
    expect(await page.isVisible('#password-form')).toBe(true);
    expect(await page.isVisible('#profile')).toBe(false);
    expect(await page.textContent('#password-status')).toBe(
      'An administrator made this account: choose your own password before anything else.',
    );
    expect(await seriousViolations(page)).toEqual([]);

    await page.fill('#old-password', temporary);
    await page.fill('#new-password', 'My-own-password-9');
    await page.click('#password-submit');
    // The page loads again with every section open.
    await expect.poll(() => page.isVisible('#profile')).toBe(true);
    await page.waitForSelector('#account[data-ready=true]');
    expect(await page.textContent('#who')).toBe('Signed in as newhire.');
    expect(errors).toEqual([]);
  });

  it('changes the email with the password, and confirms the new address with a mailed code', async () => {
    const server = await suite.startServer();
    const user = await register(server);
    const { page, errors } = await suite.open(`${server.url}/login`);
    await signInOnLoginPage(page, server, user);
    await openAccountPage(page, server.url);

    const address = `new-${user.email}`;
    await page.fill('#email', address);
    await page.click('#email-submit');
    await expect.poll(() => page.textContent('#email-status')).toBe('Changing the email address needs the password');
    // A wrong or missing password is the form's to say: the page stays signed in.
    expect(await page.isVisible('#profile')).toBe(true);
    await page.fill('#email-password', user.password);
    await page.click('#email-submit');
    await expect.poll(() => page.textContent('#email-status')).toMatch(/^Email changed\./);
    expect(await page.textContent('#email-state')).toBe('Not confirmed yet.');

    await page.click('#email-send-code');
    await page.waitForSelector('#email-verify-form:not([hidden])');
    // The change mailed the new address once; the button, a second time.
    const code = codeIn(await waitForMail(server.dataDir, address, { after: 1 }))!;
    await page.fill('#email-code', code);
    await page.click('#email-verify-submit');
    await expect.poll(() => page.textContent('#email-status')).toBe('Your email address is confirmed.');
    expect(await page.textContent('#email-state')).toBe('Confirmed.');
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).body).toMatchObject({
      email: address,
      email_verified: true,
    });
    expect(errors).toEqual([]);
  });

  it('changes the password (with the two-factor code) and turns two-factor off', async () => {
    const server = await suite.startServer();
    const user = await register(server);
    const { secret } = await enableTotp(server, user.token);
    const { page, errors } = await suite.open(`${server.url}/login`);
    await signInOnLoginPage(page, server, user, await nextCode(server, secret));
    await openAccountPage(page, server.url);
    expect(await page.textContent('#totp-state')).toBe('Two-factor sign-in is on.');

    await page.fill('#old-password', 'not-the-password');
    await page.fill('#new-password', 'Another-sturdy-pass-7');
    await page.fill('#password-totp', await nextCode(server, secret));
    await page.click('#password-submit');
    await expect.poll(() => page.locator('#password-status.error').count()).toBe(1);
    await page.fill('#old-password', user.password);
    await page.fill('#password-totp', await nextCode(server, secret));
    await page.click('#password-submit');
    await expect
      .poll(() => page.textContent('#password-status'))
      .toBe('Password changed. Your other sessions have ended.');
    const signIn = (password: string) =>
      call(server, 'POST', '/auth', { body: { username: user.username, password, totp_code: '000000' } });
    expect((await signIn(user.password)).status).toBe(401);

    await page.fill('#totp-disable-code', await nextCode(server, secret));
    await page.click('#totp-disable');
    await expect.poll(() => page.textContent('#totp-status')).toBe('Two-factor sign-in is off.');
    expect(await page.isVisible('#totp-start')).toBe(true);
    const now = await call(server, 'POST', '/auth', {
      body: { username: user.username, password: 'Another-sturdy-pass-7' },
    });
    expect(now.status).toBe(200);
    expect(errors).toEqual([]);
  });
});
