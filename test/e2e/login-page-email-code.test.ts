import { expect, it } from 'vitest';
import { browserSuite } from '../support/browser-suite.js';
import { askSignInCode, useSignInCode } from '../support/person-pages.js';
import { checkPage } from '../support/pages.js';
import { call, register } from '../support/server.js';

browserSuite('a code by email on /login, in headless Chromium', (suite) => {
  it('a wrong code is refused in words beside the form, which stays; the right code then signs in', async () => {
    const server = await suite.startServer();
    const user = await register(server);
    const { page, errors } = await suite.open(`${server.url}/login`);
    const code = await askSignInCode(page, server, user.email);
    const wrong = code === '000000' ? '111111' : '000000';

    // A wrong code: the server's own words, shown as an alert; the form stays for another try.
    await page.fill('#email-code', wrong);
    await page.click('#verify-code');
    await page.waitForSelector('#email-code-error:not([hidden])');
    const refusal = await call(server, 'POST', '/auth/verify-code', { body: { email: user.email, code: wrong } });
    await expect.poll(() => page.textContent('#email-code-error')).toBe(refusal.body.detail);
    expect(await page.getAttribute('#email-code-error', 'role')).toBe('alert');
    expect([await page.isVisible('#verify-code-form'), await page.isHidden('#success')]).toEqual([true, true]);
    await checkPage(page, 'login-email-code-wrong');

    await useSignInCode(page, code);
    expect(await page.textContent('#success')).toBe(`Signed in as ${user.username}.`);
    expect(await page.isHidden('#email-code-error')).toBe(true);
    expect(errors).toEqual([]);
  });
});
