import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ARTIFACTS } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { codeIn, waitForMail } from '../support/mail.js';
import { checkPage } from '../support/pages.js';
import { call, register } from '../support/server.js';

browserSuite('the "this wasn\'t me" page in headless Chromium', (suite) => {
  it("the notice's link opens a page that secures the account at a press, then mails a link for a new password; pressed again, it says it was used", async () => {
    const server = await suite.startPublicServer({ SERVICE_NAME: 'Acme ID', TRUST_PROXY: 'loopback' });
    await register(server);
    const user = await register(server, {}, { 'x-forwarded-for': '192.0.2.10' });
    const sent = await call(server, 'POST', '/auth/me/send-otp', { token: user.token });
    const code = codeIn(await waitForMail(server.dataDir, user.email));
    await call(server, 'POST', '/auth/verify-otp', { body: { otp: code, otp_session: sent.body.otp_session } });
    const stranger = await call(server, 'POST', '/auth', {
      headers: {
        'x-forwarded-for': '198.51.100.7',
        'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0.0.0',
      },
      body: { username: user.username, password: user.password },
    });
    expect(stranger.status).toBe(200);
    const notice = await waitForMail(server.dataDir, user.email, { match: (mail) => /New sign-in/.test(mail.subject) });
    const link = /https?:\/\/\S+\/wasnt-me\?token=\S+/.exec(notice.text)![0];
    expect(link.startsWith(`${server.url}/wasnt-me?token=`)).toBe(true);

    const { page, errors } = await suite.open(link);
    expect(await page.title()).toBe('Secure your account · Acme ID');
    expect(page.url()).toBe(`${server.url}/wasnt-me`);
    // Opening it did nothing yet.
    expect((await call(server, 'GET', '/auth/me', { token: stranger.body.access_token })).status).toBe(200);
    await page.click('#secure');
    await page.waitForSelector('#done:not([hidden])');
    expect(await page.textContent('#done')).toContain('Your account is secured: 2 session(s) signed out');
    expect((await call(server, 'GET', '/auth/me', { token: stranger.body.access_token })).status).toBe(401);
    await page.screenshot({ path: join(ARTIFACTS, 'wasnt-me.png'), fullPage: true });
    await checkPage(page, 'wasnt-me');

    await page.fill('#email', user.email);
    await page.click('#new-link-submit');
    await page.waitForSelector('#new-link-status:not([hidden])');
    await waitForMail(server.dataDir, user.email, { match: (mail) => /Reset your/.test(mail.subject) });

    await page.goto(link);
    await page.click('#secure');
    await page.waitForSelector('#link-problem:not([hidden])');
    expect(await page.textContent('#link-problem')).toContain('This link was already used');
    expect(errors).toEqual([]);
  });
});
