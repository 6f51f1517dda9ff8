import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, openPage } from '../support/browser.js';
import { screenshotAll, seriousViolations } from '../support/pages.js';
import { call, newUser, register, startPublicServer, type TestServer } from '../support/server.js';

const available = chromiumAvailable("the sign-up page's redirect test");

/** Where an app would take its people back: a page of the app, answered here by the test. */
const APP = 'http://app.example.test/welcome';

describe.skipIf(!available)('/register with a redirect_uri, in headless Chromium', () => {
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

  const open = async (path: string) => {
    const opened = await openPage(browser, 'about:blank');
    // The app's page, served by the test: this machine has no network.
    await opened.context.route(`${APP}**`, (route) =>
      route.fulfill({ contentType: 'text/html', body: '<p>Welcome</p>' }),
    );
    await opened.page.goto(`${server!.url}${path}`);
    return opened;
  };
  const checked = async (page: Page, name: string) => {
    expect(await seriousViolations(page)).toEqual([]);
    await screenshotAll(page, name);
  };
  const signUp = async (page: Page, person: ReturnType<typeof newUser>) => {
    await page.fill('#username', person.username);
    await page.fill('#password', person.password);
    await page.click('#register-submit');
  };

  it("goes from /login's link to /register with the redirect, and after signing up to that allow-listed address", async () => {
    server = await startPublicServer({ ALLOWED_REDIRECTS: APP });
    await register(server); // the first account (the superadmin)
    const { page, context, errors } = await open(`/login?redirect_uri=${encodeURIComponent(APP)}`);
    await checked(page, 'login-with-redirect');
    await page.click('#register-link');
    await page.waitForURL(`${server.url}/register?redirect_uri=${encodeURIComponent(APP)}`);
    await checked(page, 'register-with-redirect');
    expect(await page.isVisible('#redirect-refused')).toBe(false);
    // And back: "Sign in" keeps the redirect too.
    expect(await page.getAttribute('#sign-in-link', 'href')).toBe(`/login?redirect_uri=${encodeURIComponent(APP)}`);

    const person = newUser();
    await signUp(page, person);
    await page.waitForURL(APP);
    // Signed up and signed in: the browser session is there.
    const cookies = await context.cookies(server.url);
    expect(cookies.find((c) => c.name === 'accounts_session')).toBeTruthy();
    expect(errors).toEqual([]);
  });

  it('keeps the redirect with an invite code, and refuses an address that is not allowed (signing up in place)', async () => {
    server = await startPublicServer({ REGISTRATION: 'invite', ALLOWED_REDIRECTS: APP });
    const admin = await register(server);
    const invite = await call(server, 'POST', '/auth/invites', { token: admin.token, body: { uses: 2 } });

    const refused = await open(
      `/register?invite=${encodeURIComponent(invite.body.token)}&redirect_uri=${encodeURIComponent('https://evil.example.test/x')}`,
    );
    await checked(refused.page, 'register-redirect-refused');
    expect(await refused.page.isVisible('#redirect-refused')).toBe(true);
    expect(await refused.page.getAttribute('#sign-in-link', 'href')).toBe('/login');
    await signUp(refused.page, newUser());
    await refused.page.waitForSelector('#success:not([hidden])');
    expect(new URL(refused.page.url()).origin).toBe(server.url);

    const { page, errors } = await open(
      `/register?invite=${encodeURIComponent(invite.body.token)}&redirect_uri=${encodeURIComponent(APP)}`,
    );
    await checked(page, 'register-invite-with-redirect');
    expect(await page.inputValue('#invite')).toBe(invite.body.token);
    // The code leaves the address bar; the redirect stays.
    await expect.poll(() => page.url()).toBe(`${server.url}/register?redirect_uri=${encodeURIComponent(APP)}`);
    await signUp(page, newUser());
    await page.waitForURL(APP);
    expect(errors).toEqual([]);
  });

  it("goes to the service's own /account without ALLOWED_REDIRECTS listing it", async () => {
    server = await startPublicServer();
    await register(server);
    const account = `${server.url}/account`;
    const { page, errors } = await open(`/register?redirect_uri=${encodeURIComponent(account)}`);
    expect(await page.isVisible('#redirect-refused')).toBe(false);
    const person = newUser();
    await signUp(page, person);
    await page.waitForURL(account);
    await page.waitForSelector('#account[data-ready=true]');
    await checked(page, 'register-to-account');
    expect(await page.textContent('#who')).toContain(person.username);
    expect(errors).toEqual([]);
  });
});
