import { expect, it } from 'vitest';
import { nextCode, openAccountPage, signInOnLoginPage } from '../support/account-page.js';
import { browserSuite } from '../support/browser-suite.js';
import { askSignInCode, useSignInCode } from '../support/person-pages.js';
import { checkPage } from '../support/pages.js';
import { call, register } from '../support/server.js';
import { enableTotp } from '../support/totp.js';

/** What /account hands out and renews: ACLs and their tokens, backup codes, a first password. */
browserSuite('the /account page makes credentials, in headless Chromium', (suite) => {
  it('makes an ACL, issues its token (shown once), revokes the token and deletes the ACL', async () => {
    const server = await suite.startServer();
    const user = await register(server);
    const { page, errors } = await suite.open(`${server.url}/login`);
    await signInOnLoginPage(page, server, user);
    await openAccountPage(page, server.url);

    await page.fill('#acl-name', 'wallet reader');
    await page.fill('#acl-endpoints', 'GET /api/v1/auth/me\n\n  GET /api/v1/wallet  ');
    await page.click('#acl-create');
    await expect.poll(() => page.textContent('#acls-status')).toBe('Saved.');
    const [acl] = (await call(server, 'GET', '/auth/acls', { token: user.token })).body;
    expect(acl).toMatchObject({
      name: 'wallet reader',
      allowed_endpoints: ['GET /api/v1/auth/me', 'GET /api/v1/wallet'],
      token_count: 0,
    });
    await expect.poll(() => page.textContent('#acl-list')).toContain('GET /api/v1/auth/me, GET /api/v1/wallet');

    await page.click('button[aria-label="New token: wallet reader"]');
    await page.waitForSelector('#acl-secret:not([hidden])');
    const token = (await page.textContent('#acl-secret code'))!;
    expect(await page.textContent('#acl-secret p')).toBe(
      'Copy this secret now: it is shown only once. (wallet reader)',
    );
    await expect.poll(() => page.locator('#acl-list ul button').count()).toBe(1);
    await checkPage(page, 'account-acl-token');
    // The token acts as its user on what its ACL allows, and on nothing else.
    expect((await call(server, 'GET', '/auth/me', { token })).body.username).toBe(user.username);
    expect((await call(server, 'GET', '/auth/sessions', { token })).body.code).toBe('acl_forbidden');
    // Shown once: a reload of the page does not show it again, and the API never lists it.
    await openAccountPage(page, server.url);
    expect(await page.isHidden('#acl-secret')).toBe(true);
    const listed = await call(server, 'GET', `/auth/acls/${acl.id}/tokens`, { token: user.token });
    expect(JSON.stringify(listed.body)).not.toContain(token);

    await page.locator('#acl-list ul button').click();
    await expect.poll(() => page.textContent('#acls-status')).toBe('Revoked.');
    await expect.poll(() => page.locator('#acl-list ul').count()).toBe(0);
    expect((await call(server, 'GET', '/auth/me', { token })).status).toBe(401);

    await page.click('button[aria-label="Delete: wallet reader"]');
    await expect.poll(() => page.locator('#acl-list li').allTextContents()).toEqual(['None yet.']);
    expect((await call(server, 'GET', '/auth/acls', { token: user.token })).body).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('makes new backup codes (shown once): an old one no longer signs in, a new one does', async () => {
    const server = await suite.startServer();
    const user = await register(server);
    const { secret, backupCodes: old } = await enableTotp(server, user.token);
    const { page, errors } = await suite.open(`${server.url}/login`);
    await signInOnLoginPage(page, server, user, await nextCode(server, secret));
    await openAccountPage(page, server.url);
    expect(await page.isHidden('#backup-codes')).toBe(true);

    await page.fill('#totp-disable-code', await nextCode(server, secret));
    await page.click('#totp-new-codes');
    await page.waitForSelector('#backup-codes:not([hidden])');
    await expect.poll(() => page.textContent('#totp-status')).toBe('Saved.');
    const fresh = await page.locator('#backup-code-list code').allTextContents();
    expect(fresh.length).toBeGreaterThanOrEqual(8);
    expect(fresh.filter((code) => old.includes(code))).toEqual([]);
    // Two-factor stays on; the codes are not shown again once the page is loaded anew.
    expect(await page.textContent('#totp-state')).toBe('Two-factor sign-in is on.');
    await checkPage(page, 'account-backup-codes');
    await openAccountPage(page, server.url);
    expect(await page.isHidden('#backup-codes')).toBe(true);

    // A backup code signs in through the recovery route (which turns two-factor off): the old ones no longer do.
    const recover = (code: string) =>
      call(server, 'POST', '/auth/totp/recover', {
        body: { username: user.username, password: user.password, backup_code: code },
      });
    expect((await recover(old[0]!)).status).toBe(401);
    const recovered = await recover(fresh[0]!);
    expect(recovered.status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { token: recovered.body.access_token })).body.totp_enabled).toBe(
      false,
    );
    expect(errors).toEqual([]);
  });

  it("a backup code typed into /login's two-factor field signs in through the recovery route, and says 2FA is now off", async () => {
    const server = await suite.startServer();
    const user = await register(server);
    const { backupCodes } = await enableTotp(server, user.token);
    const { page, errors } = await suite.open(`${server.url}/login`);
    await page.fill('#username', user.username);
    await page.fill('#password', user.password);
    await page.click('#password-form button[type=submit]');
    await page.waitForSelector('#totp-field:not([hidden])');
    expect(await page.textContent('#totp-hint')).toContain('backup codes');
    await page.fill('#totp', backupCodes[0]!.toUpperCase());
    await page.click('#password-form button[type=submit]');
    await expect.poll(() => page.textContent('#success')).toContain('two-factor sign-in is now off');
    await checkPage(page, 'login-backup-code');
    // The session is the browser's cookie; the account's 2FA is off and the code is spent.
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).json());
    expect(me).toMatchObject({ username: user.username, totp_enabled: false });
    const again = await call(server, 'POST', '/auth/totp/recover', {
      body: { username: user.username, password: user.password, backup_code: backupCodes[0] },
    });
    expect(again.status).toBe(409); // nothing left to recover: 2FA is off
    expect(errors).toEqual([]);
  });

  it('an account made by an email code sets its first password on /account, then signs in with it', async () => {
    const server = await suite.startServer();
    await register(server); // the superadmin
    const email = 'codes-only@example.test';
    const { page, errors } = await suite.open(`${server.url}/login`);
    await useSignInCode(page, await askSignInCode(page, server, email));

    await openAccountPage(page, server.url);
    expect([await page.isHidden('#password-form'), await page.isVisible('#initial-password-form')]).toEqual([
      true,
      true,
    ]);
    expect(await page.textContent('#password-status')).toBe('This account has no password: it signs in another way.');
    await checkPage(page, 'account-no-password');
    await page.fill('#initial-password', 'First-own-password-31');
    await page.click('#initial-password-submit');
    await expect.poll(() => page.textContent('#password-status')).toBe('Your password is set.');
    expect([await page.isVisible('#password-form'), await page.isHidden('#initial-password-form')]).toEqual([
      true,
      true,
    ]);

    await page.click('#sign-out');
    await page.waitForSelector('#signed-out:not([hidden])');
    await signInOnLoginPage(page, server, { username: email, password: 'First-own-password-31' });
    const me = await call(server, 'POST', '/auth', { body: { username: email, password: 'First-own-password-31' } });
    expect((await call(server, 'GET', '/auth/me', { token: me.body.access_token })).body).toMatchObject({
      email,
      has_password: true,
    });
    expect(errors).toEqual([]);
  });
});
