import { expect, it } from 'vitest';
import { openAccountPage, signInOnLoginPage } from '../support/account-page.js';
import { browserSuite } from '../support/browser-suite.js';
import { codeIn, mailbox, waitForMail } from '../support/mail.js';
import { checkPage } from '../support/pages.js';
import { call, register, type TestServer } from '../support/server.js';

browserSuite('/account changes the email and confirms it with the code of that one mail', (suite) => {
  let server: TestServer | undefined;

  it('asks for the code the change mailed, without mailing a second one', async () => {
    server = await suite.startServer();
    const user = await register(server);
    const { page, errors } = await suite.open('about:blank');
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
    await checkPage(page, 'account-email-code');

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
    await checkPage(page, 'account-email-confirmed');
    expect(errors).toEqual([]);
  });
});
