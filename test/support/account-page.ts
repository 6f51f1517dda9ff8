import type { Page } from 'playwright-core';
import type { TestServer } from './server.js';
import { codeAt } from './totp.js';

/** Signs in on /login's password form (a two-factor code when one is asked), leaving the browser session's cookies. */
export async function signInOnLoginPage(
  page: Page,
  server: TestServer,
  user: { username: string; password: string },
  code?: string,
  base = server.url,
) {
  await page.goto(`${base}/login`);
  await page.fill('#username', user.username);
  await page.fill('#password', user.password);
  await page.click('#password-form button[type=submit]');
  if (code !== undefined) {
    await page.waitForSelector('#totp-field:not([hidden])');
    await page.fill('#totp', code);
    await page.click('#password-form button[type=submit]');
  }
  await page.waitForSelector('#success:not([hidden])');
}

/** /account, once its script has read every section from the API. */
export async function openAccountPage(page: Page, base: string) {
  await page.goto(`${base}/account`);
  await page.waitForSelector('#account[data-ready=true]');
}

/** A TOTP code one step after the last one used: the service takes each code once. */
export const nextCode = (server: TestServer, secret: string) => {
  server.clock.advance(30_000);
  return codeAt(secret, server.clock);
};
