import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { browserSuite } from '../support/browser-suite.js';
import { checkPage } from '../support/pages.js';
import { call, newUser, register, type TestServer } from '../support/server.js';

/** Where an app would take its people back: a page of the app, answered here by the test. */
const APP = 'http://app.example.test/welcome';

browserSuite('/register with a redirect_uri, in headless Chromium', (suite) => {
  let server: TestServer | undefined;

  const open = async (path: string) => {
    const opened = await suite.open('about:blank');
    // The app's page, served by the test: this machine has no network.
    await opened.context.route(`${APP}**`, (route) =>
      route.fulfill({ contentType: 'text/html', body: '<p>Welcome</p>' }),
    );
    await opened.page.goto(`${server!.url}${path}`);
    return opened;
  };
  const signUp = async (page: Page, person: ReturnType<typeof newUser>) => {
    await page.fill('#username', person.username);
    await page.fill('#password', person.password);
    await page.click('#register-submit');
  };

  it("goes from /login's link to /register with the redirect, and after signing up to that allow-listed address", async () => {
    server = await suite.startPublicServer({ ALLOWED_REDIRECTS: APP });
    await register(server); // the first account (the superadmin)
    const { page, context, errors } = await open(`/login?redirect_uri=${encodeURIComponent(APP)}`);
    await checkPage(page, 'login-with-redirect');
    await page.click('#register-link');
    await page.waitForURL(`${server.url}/register?redirect_uri=${encodeURIComponent(APP)}`);
    await checkPage(page, 'register-with-redirect');
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
    server = await suite.startPublicServer({ REGISTRATION: 'invite', ALLOWED_REDIRECTS: APP });
    const admin = await register(server);
    const invite = await call(server, 'POST', '/auth/invites', { token: admin.token, body: { uses: 2 } });

    const refused = await open(
      `/register?invite=${encodeURIComponent(invite.body.token)}&redirect_uri=${encodeURIComponent('https://evil.example.test/x')}`,
    );
    await checkPage(refused.page, 'register-redirect-refused');
    expect(await refused.page.isVisible('#redirect-refused')).toBe(true);
    expect(await refused.page.getAttribute('#sign-in-link', 'href')).toBe('/login');
    await signUp(refused.page, newUser());
    await refused.page.waitForSelector('#success:not([hidden])');
    expect(new URL(refused.page.url()).origin).toBe(server.url);

    const { page, errors } = await open(
      `/register?invite=${encodeURIComponent(invite.body.token)}&redirect_uri=${encodeURIComponent(APP)}`,
    );
    await checkPage(page, 'register-invite-with-redirect');
    expect(await page.inputValue('#invite')).toBe(invite.body.token);
    // The code leaves the address bar; the redirect stays.
    await expect.poll(() => page.url()).toBe(`${server.url}/register?redirect_uri=${encodeURIComponent(APP)}`);
    await signUp(page, newUser());
    await page.waitForURL(APP);
    expect(errors).toEqual([]);
  });

  it("goes to the service's own /account without ALLOWED_REDIRECTS listing it", async () => {
    server = await suite.startPublicServer();
    await register(server);
    const account = `${server.url}/account`;
    const { page, errors } = await open(`/register?redirect_uri=${encodeURIComponent(account)}`);
    expect(await page.isVisible('#redirect-refused')).toBe(false);
    const person = newUser();
    await signUp(page, person);
    await page.waitForURL(account);
    await page.waitForSelector('#account[data-ready=true]');
    await checkPage(page, 'register-to-account');
    expect(await page.textContent('#who')).toContain(person.username);
    expect(errors).toEqual([]);
  });
});
