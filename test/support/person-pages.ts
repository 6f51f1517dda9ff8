import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { codeIn, waitForMail } from './mail.js';
import type { TestServer } from './server.js';

/** Fills /register's form and sends it; the page then says who signed in. */
export async function signUpOnRegisterPage(page: Page, person: { username: string; email: string; password: string }) {
  await page.fill('#username', person.username);
  await page.fill('#email', person.email);
  await page.fill('#password', person.password);
  await page.click('#register-submit');
  await page.waitForSelector('#success:not([hidden])');
}

/** Asks /login's email-code panel for a code to `email`: the code's form is then shown. The mailed code. */
export async function askSignInCode(page: Page, server: TestServer, email: string): Promise<string> {
  await page.fill('#code-email', email);
  await page.click('#send-code');
  await page.waitForSelector('#verify-code-form:not([hidden])');
  return codeIn(await waitForMail(server.dataDir, email, { match: (m) => /sign-in code/.test(m.subject) }))!;
}

/** Signs in with the mailed code on /login's code form. */
export async function useSignInCode(page: Page, code: string) {
  await page.fill('#email-code', code);
  await page.click('#verify-code');
  await page.waitForSelector('#success:not([hidden])');
}

/** On /verify-email, signed in: mails a code to `email` and types it in; the page says the address is verified. */
export async function verifyAddressOnPage(page: Page, server: TestServer, email: string) {
  await page.click('#send-code');
  await page.waitForSelector('#verify-status:not([hidden])');
  const confirm = await waitForMail(server.dataDir, email, { match: (m) => /Confirm/.test(m.subject) });
  await page.fill('#code', codeIn(confirm)!);
  await page.click('#verify');
  await expect.poll(() => page.textContent('#verify-status')).toBe('Your email address is verified.');
}
