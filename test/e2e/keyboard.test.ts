import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { browserSuite } from '../support/browser-suite.js';
import { checkPage } from '../support/pages.js';
import { call, newUser, register } from '../support/server.js';

/**
 * Moves the focus with Tab alone until it is on `#id` (failing if it never gets there), and checks
 * that the focus is visible there: what a person without a mouse does.
 */
async function tabTo(page: Page, id: string) {
  for (let presses = 0; presses < 40; presses += 1) {
    if ((await page.evaluate('document.activeElement?.id')) === id) {
      const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
      expect(outline, `the focus on #${id} is visible`).not.toBe('none');
      return;
    }
    await page.keyboard.press('Tab');
  }
  throw new Error(`#${id} cannot be reached with the Tab key`);
}

browserSuite('the sign-up and sign-in pages with the keyboard alone', (suite) => {
  it('signs up on /register, signs out, and signs in again on /login, with Tab, typing and Enter only', async () => {
    const server = await suite.startServer();
    await register(server); // the first account (the superadmin)
    const person = newUser();
    const { page, errors } = await suite.open(`${server.url}/register`);

    await tabTo(page, 'username');
    await page.keyboard.type(person.username);
    await tabTo(page, 'password');
    await page.keyboard.type(person.password);
    await tabTo(page, 'register-submit');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#success:not([hidden])');
    await checkPage(page, 'keyboard-registered');

    await tabTo(page, 'sign-out');
    await page.keyboard.press('Enter');
    // Signed out, the page goes to /login.
    await page.waitForURL(`${server.url}/login`);
    expect(await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status)).toBe(401);
    await tabTo(page, 'username');
    await page.keyboard.type(person.username);
    await tabTo(page, 'password');
    await page.keyboard.type(person.password);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#success:not([hidden])');
    expect(await page.textContent('#success')).toContain(person.username);
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).json());
    expect(me).toMatchObject({ username: person.username });
    // The account exists through the API as well: the page went through it.
    const signIn = await call(server, 'POST', '/auth', {
      body: { username: person.username, password: person.password },
    });
    expect(signIn.status).toBe(200);
    expect(errors).toEqual([]);
  });
});
