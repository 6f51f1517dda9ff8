import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openAccountPage, signInOnLoginPage } from '../support/account-page.js';
import { chromiumAvailable, launchChromium, openPage } from '../support/browser.js';
import { codeIn, mailbox, waitForMail } from '../support/mail.js';
import { screenshotAll, seriousViolations } from '../support/pages.js';
import { call, register, startServer, type TestServer } from '../support/server.js';

const available = chromiumAvailable("the account page's email test");

describe.skipIf(!available)('/account changes the email and confirms it with the code of that one mail', () => {
  let browser: Browser;
  let server: TestServer | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => browser?.close());
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('asks for the code the change mailed, without mailing a second one', async () => {
    server = await startServer();
    const user = await register(server);
    const { page, errors } = await openPage(browser, 'about:blank');
    await signInOnLoginPage(page, server, user);
    await openAccountPage(page, server.url);

    const address = `new-${user.email}`;
    await page.fill('#email', address);
    await page.fill('#email-password', user.password);
    await page.click('#email-submit');
    await expect
      .poll(() => page.textContent('#email-status'))
      .toBe('Email changed. We mailed a code to the new address: enter it below to confirm the address.');
    // The code field is there at once, with the focus: no button to press, no second mail.
    await page.waitForSelector('#email-verify-form:not([hidden])');
    expect(await page.evaluate('document.activeElement.id')).toBe('email-code');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotAll(page, 'account-email-code');

    const mail = await waitForMail(server.dataDir, address);
    await page.fill('#email-code', codeIn(mail)!);
    await page.click('#email-verify-submit');
    await expect.poll(() => page.textContent('#email-status')).toBe('Your email address is confirmed.');
    expect(await page.textContent('#email-state')).toBe('Confirmed.');
    expect((await mailbox(server.dataDir)).filter((m) => m.to === address)).toHaveLength(1);
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).body).toMatchObject({
      email: address,
      email_verified: true,
    });
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotAll(page, 'account-email-confirmed');
    expect(errors).toEqual([]);
  });
});
