import { expect, it } from 'vitest';
import { nextCode, openAccountPage, signInOnLoginPage } from '../support/account-page.js';
import { browserSuite } from '../support/browser-suite.js';
import { askSignInCode, signUpOnRegisterPage, useSignInCode, verifyAddressOnPage } from '../support/person-pages.js';
import { checkPage } from '../support/pages.js';
import { call, newUser, register } from '../support/server.js';
import { codeAt } from '../support/totp.js';

/**
 * Issue #22, point 6, in order and in one browser: sign up (and prove the address), sign out, sign in by email code, turn
 * on 2FA from the secret beside the QR code, sign out, sign in with the password and a code, end
 * another session, delete the account. Every page it comes to is checked by axe-core and
 * photographed (light and dark, desktop and 360 px) in test/artifacts/journey-*.png.
 */
browserSuite('a person, from sign-up to deletion, in headless Chromium', (suite) => {
  it('walks every flow of the pages end to end', { timeout: 180_000 }, async () => {
    const server = await suite.startPublicServer({ SERVICE_NAME: 'Acme ID' });
    await register(server); // the superadmin, so that the person's account is an ordinary one
    const person = newUser();
    const { page, errors } = await suite.open(`${server.url}/register`);
    await checkPage(page, 'journey-register');

    // Sign up.
    await signUpOnRegisterPage(page, person);
    expect(await page.textContent('#success')).toBe(`Signed in as ${person.username}.`);
    await checkPage(page, 'journey-registered');

    // The address is proven on /verify-email, which the page offers: an address never verified that
    // signs in by a mailed code reclaims the account, its password removed (README, "Account security").
    await page.click('#verify-email a');
    await page.waitForSelector('#send-form:not([hidden])');
    await checkPage(page, 'journey-verify-email');
    await verifyAddressOnPage(page, server, person.email);

    // Sign out (from /account), and the browser's session no longer reads the account.
    await openAccountPage(page, server.url);
    expect(await page.textContent('#email-state')).toBe('Confirmed.');
    await checkPage(page, 'journey-account-new');
    await page.click('#sign-out');
    await page.waitForSelector('#signed-out:not([hidden])');
    expect((await page.request.get(`${server.api}/auth`)).status()).toBe(401);
    await checkPage(page, 'journey-signed-out');
    await page.goto(`${server.url}/login`);
    await checkPage(page, 'journey-login');

    // Sign in by a code read from the mail.
    const code = await askSignInCode(page, server, person.email);
    await checkPage(page, 'journey-login-code');
    await useSignInCode(page, code);
    expect(await page.textContent('#success')).toBe(`Signed in as ${person.username}.`);
    await checkPage(page, 'journey-login-code-signed-in');

    // Two-factor on /account, from the secret shown beside the QR code.
    await openAccountPage(page, server.url);
    expect(await page.textContent('#who')).toBe(`Signed in as ${person.username}.`);
    await checkPage(page, 'journey-account');
    await page.click('#totp-start');
    await page.waitForSelector('#totp-qr:not([hidden])');
    const secret = (await page.textContent('#totp-secret'))!;
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await checkPage(page, 'journey-account-2fa-setup');
    await page.fill('#totp-code', await codeAt(secret, server.clock));
    await page.click('#totp-enable');
    await page.waitForSelector('#backup-codes:not([hidden])');
    expect(await page.textContent('#totp-state')).toBe('Two-factor sign-in is on.');
    await checkPage(page, 'journey-account-2fa-on');

    // Sign out, then in with the password and a code made from the secret.
    await page.click('#sign-out');
    await page.waitForSelector('#signed-out:not([hidden])');
    await checkPage(page, 'journey-account-signed-out');
    await page.goto(`${server.url}/login`);
    await page.fill('#username', person.username);
    await page.fill('#password', person.password);
    await page.click('#password-form button[type=submit]');
    await page.waitForSelector('#totp-field:not([hidden])');
    await checkPage(page, 'journey-login-2fa');
    await page.fill('#totp', await nextCode(server, secret));
    await page.click('#password-form button[type=submit]');
    await page.waitForSelector('#success:not([hidden])');
    expect(await page.textContent('#success')).toBe(`Signed in as ${person.username}.`);

    // Another session, in a second browser; ended from the first one's /account.
    const other = await suite.open(`${server.url}/login`);
    await signInOnLoginPage(other.page, server, person, await nextCode(server, secret));
    expect((await other.page.request.get(`${server.api}/auth`)).status()).toBe(200);
    await openAccountPage(page, server.url);
    await expect.poll(() => page.locator('#session-list > li').count()).toBe(2);
    await checkPage(page, 'journey-account-sessions');
    await page.locator('#session-list button').click();
    await expect.poll(() => page.textContent('#sessions-status')).toBe('Session ended.');
    await expect.poll(() => page.locator('#session-list > li').count()).toBe(1);
    expect((await other.page.request.get(`${server.api}/auth`)).status()).toBe(401);
    expect((await page.request.get(`${server.api}/auth`)).status()).toBe(200);

    // Delete the account, with the password and a code: its tokens die and its name is free again.
    const apiLogin = await call(server, 'POST', '/auth', {
      body: { username: person.username, password: person.password, totp_code: await nextCode(server, secret) },
    });
    expect(apiLogin.status).toBe(200);
    await page.fill('#delete-password', person.password);
    await page.fill('#delete-totp', await nextCode(server, secret));
    await page.click('#delete-submit');
    await expect.poll(() => page.textContent('#signed-out-text')).toBe('Your account is deleted. Goodbye.');
    await checkPage(page, 'journey-account-deleted');
    expect((await call(server, 'GET', '/auth/me', { token: apiLogin.body.access_token })).status).toBe(401);
    expect((await page.request.get(`${server.api}/auth`)).status()).toBe(401);
    const again = await call(server, 'POST', '/auth/register', { body: newUser({ username: person.username }) });
    expect(again.status).toBe(201);
    expect([...errors, ...other.errors]).toEqual([]);
  });
});
