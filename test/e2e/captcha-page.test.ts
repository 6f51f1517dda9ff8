import { expect, it } from 'vitest';
import { browserSuite } from '../support/browser-suite.js';
import { captchaStandIn, GOOD_CAPTCHA } from '../support/captcha.js';
import { waitForMail } from '../support/mail.js';
import { lightningWallet } from '../support/signers.js';
import { register } from '../support/server.js';

browserSuite('the CAPTCHA widget on the pages, in headless Chromium', (suite) => {
  it('/login shows the widget when the sign-in asks for it, and signs in once it is solved; /forgot-password too', async () => {
    const provider = suite.closeAfter(await captchaStandIn());
    const server = await suite.startPublicServer({ ...provider.env, CAPTCHA_AFTER_FAILURES: '0' });
    const user = await register(server, { captcha_token: GOOD_CAPTCHA });
    const { page, errors } = await suite.open(`${server.url}/login`);
    const csp = (await page.request.get(`${server.url}/login`)).headers()['content-security-policy']!;
    expect(csp).toContain(`script-src 'nonce-`);
    expect(csp).toContain(new URL(provider.env.CAPTCHA_SCRIPT_URL).origin);
    expect(await page.isVisible('#captcha-panel')).toBe(false);
    await page.fill('#username', user.username);
    await page.fill('#password', user.password);
    await page.click('#password-form button[type=submit]');
    await page.waitForSelector('#captcha-panel:not([hidden])');
    await page.click('.stand-in-captcha');
    await page.waitForSelector('#success:not([hidden])');
    expect(await page.textContent('#success')).toBe(`Signed in as ${user.username}.`);
    expect(provider.checks.at(-1)?.response).toBe(GOOD_CAPTCHA);

    await page.goto(`${server.url}/forgot-password`);
    await page.fill('#email', user.email);
    await page.click('#new-link-submit');
    await page.waitForSelector('#captcha-panel:not([hidden])');
    await page.click('.stand-in-captcha');
    await expect
      .poll(() => page.textContent('#new-link-status'))
      .toContain('a link to choose a new password is on its way');
    await waitForMail(server.dataDir, user.email, { match: (mail) => /Reset your/.test(mail.subject) });
    expect(errors).toEqual([]);
  });

  it("a wallet signs up from /login only with a code made after the CAPTCHA; the page's first code signs in existing wallets only", async () => {
    const provider = suite.closeAfter(await captchaStandIn());
    const server = await suite.startPublicServer(provider.env);
    await register(server, { captcha_token: GOOD_CAPTCHA });
    const { page, errors } = await suite.open(`${server.url}/login`);
    const signWith = async (k1: string) => {
      const wallet = lightningWallet();
      const query = new URLSearchParams({ tag: 'login', k1, sig: wallet.sign(k1), key: wallet.key });
      return (await (await fetch(`${server.api}/auth/lnurl/callback?${query}`)).json()) as { status: string };
    };
    const first = (await page.getAttribute('#lnurl', 'data-k1'))!;
    const refused = await signWith(first);
    expect(refused.status).toBe('ERROR');
    await page.click('#lnurl-sign-up');
    await page.waitForSelector('#captcha-panel:not([hidden])');
    await page.click('.stand-in-captcha');
    await expect.poll(() => page.getAttribute('#lnurl', 'data-k1')).not.toBe(first);
    expect(await page.isVisible('#lnurl-sign-up')).toBe(false);
    const second = (await page.getAttribute('#lnurl', 'data-k1'))!;
    expect(second).not.toBe(first);
    expect(await signWith(second)).toEqual({ status: 'OK' });
    await page.waitForSelector('#success:not([hidden])');
    expect(await page.textContent('#success')).toMatch(/^Signed in as lnurl_/);
    expect(errors).toEqual([]);
  });
});
