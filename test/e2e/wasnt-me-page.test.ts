import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, chromiumAvailable, launchChromium, openPage } from '../support/browser.js';
import { codeIn, waitForMail } from '../support/mail.js';
import { screenshotAll, seriousViolations } from '../support/pages.js';
import { call, register, startPublicServer, type TestServer } from '../support/server.js';

const available = chromiumAvailable('the "this wasn\'t me" page\'s browser test');

describe.skipIf(!available)('the "this wasn\'t me" page in headless Chromium', () => {
  let browser: Browser;
  let server: TestServer | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => browser?.close());
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("the notice's link opens a page that secures the account at a press, then mails a link for a new password; pressed again, it says it was used", async () => {
    server = await startPublicServer({ SERVICE_NAME: 'Acme ID', TRUST_PROXY: 'loopback' });
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

    const { page, errors } = await openPage(browser, link);
    expect(await page.title()).toBe('Secure your account · Acme ID');
    expect(page.url()).toBe(`${server.url}/wasnt-me`);
    // Opening it did nothing yet.
    expect((await call(server, 'GET', '/auth/me', { token: stranger.body.access_token })).status).toBe(200);
    await page.click('#secure');
    await page.waitForSelector('#done:not([hidden])');
    expect(await page.textContent('#done')).toContain('Your account is secured: 2 session(s) signed out');
    expect((await call(server, 'GET', '/auth/me', { token: stranger.body.access_token })).status).toBe(401);
    await page.screenshot({ path: join(ARTIFACTS, 'wasnt-me.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotAll(page, 'wasnt-me');

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
