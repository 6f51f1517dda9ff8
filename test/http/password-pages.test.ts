import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { renderMail, type MailKind, type MailTemplate } from '../../src/mail/templates.js';
import { passwordLinkIn, resetTokenIn, waitForMail } from '../support/mail.js';
import { call, register, startPublicServer, startServer, type TestServer } from '../support/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** One of each template: the type makes a new kind fail to compile until it is here. */
const EVERY_TEMPLATE: { [K in MailKind]: Extract<MailTemplate, { kind: K }> } = {
  login_code: { kind: 'login_code', code: '555123' },
  email_verification: {
    kind: 'email_verification',
    code: '771204',
    otpSession: '0b5f7c2e-4b1d-4d8e-9a51-2f9d3c8a6e10',
  },
  password_reset: { kind: 'password_reset', token: '0b5f7c2e-4b1d-4d8e-9a51-2f9d3c8a6e10.secret' },
  account_created: { kind: 'account_created', token: '0b5f7c2e-4b1d-4d8e-9a51-2f9d3c8a6e10.secret', username: 'grace' },
  password_changed: { kind: 'password_changed' },
  totp_enabled: { kind: 'totp_enabled' },
  totp_disabled: { kind: 'totp_disabled' },
  backup_code_used: { kind: 'backup_code_used' },
  passkey_cloned: { kind: 'passkey_cloned' },
  new_device_sign_in: {
    kind: 'new_device_sign_in',
    token: '0b5f7c2e-4b1d-4d8e-9a51-2f9d3c8a6e10.secret',
    device: 'Chrome 131 on Windows',
    network: '198.51.100.0/24',
    method: 'oauth:github',
    at: '2026-11-23T10:00:00.000Z',
  },
  sign_in_disowned: { kind: 'sign_in_disowned', endedSessions: 2, forgottenDevices: 1, revokedCredentials: 3 },
  account_reclaimed: {
    kind: 'account_reclaimed',
    endedSessions: 2,
    hadPassword: true,
    hadTotp: true,
    unlinkedIdentities: 1,
  },
  webhook_endpoint_disabled: {
    kind: 'webhook_endpoint_disabled',
    endpointId: '0b5f7c2e-4b1d-4d8e-9a51-2f9d3c8a6e10',
    url: 'https://hooks.example.test/accounts',
  },
};

/** Addresses a mail shows as data, not as links of the service: the receiver of a webhook endpoint. */
const shownNotLinked = new Set([EVERY_TEMPLATE.webhook_endpoint_disabled.url]);

const decodeEntities = (text: string) =>
  text
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');

/** Every URL a reader could follow: the HTML part's hrefs, and any URL in either part's text (mail readers link those too). */
const urlsIn = (mail: { text: string; html: string }) => {
  const hrefs = [...mail.html.matchAll(/href="([^"]*)"/g)].map((m) => decodeEntities(m[1]!));
  const texts = [mail.text, decodeEntities(mail.html.replace(/<[^>]*>/g, ' '))].flatMap(
    (part) => part.match(/https?:\/\/[^\s<>"')]+/g) ?? [],
  );
  return [...new Set([...hrefs, ...texts].map((url) => url.replace(/[.,;:]+$/, '')))];
};

const PAGES = [
  '/reset-password?token=tok.secret-in-the-address',
  '/set-password?token=tok.secret-in-the-address',
  '/forgot-password',
  '/wasnt-me?token=tok.secret-in-the-address',
  '/login',
];

describe('the pages mail links lead to', () => {
  it('every link in every mail template resolves to a route that answers 200 HTML', async () => {
    server = await startPublicServer({ SERVICE_NAME: 'Acme ID' });
    const { config } = server.service;
    const followed = new Set<string>();
    for (const template of Object.values(EVERY_TEMPLATE)) {
      const mail = renderMail(template, {
        serviceName: config.serviceName,
        publicUrl: config.publicUrl,
        linkBaseUrl: config.linkBaseUrl,
      });
      for (const url of urlsIn(mail).filter((url) => !shownNotLinked.has(url))) {
        expect(url.startsWith(`${server.url}/`) || url === server.url, `${template.kind}: ${url}`).toBe(true);
        const answer = await fetch(url, { redirect: 'follow' });
        expect([answer.status, answer.headers.get('content-type')], `${template.kind}: ${url}`).toEqual([
          200,
          'text/html; charset=utf-8',
        ]);
        followed.add(new URL(url).pathname);
      }
    }
    // Every page a mail links to, and the sender's address every footer names.
    expect([...followed].sort()).toEqual(['/', '/forgot-password', '/reset-password', '/set-password', '/wasnt-me']);
  });

  it('each page is HTML with a nonce CSP that allows no other origin, no framing, no referrer and no caching; the token is not in it', async () => {
    server = await startServer();
    for (const path of PAGES) {
      const answer = await fetch(`${server.url}${path}`);
      const body = await answer.text();
      expect([answer.status, answer.headers.get('content-type')], path).toEqual([200, 'text/html; charset=utf-8']);
      const csp = answer.headers.get('content-security-policy')!;
      const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
      expect(csp, path).toMatch(/^default-src 'none'; /);
      expect(csp, path).not.toMatch(/https?:|\*|unsafe/);
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(body, path).toContain(`<script nonce="${nonce}">`);
      // Every script carries the nonce; the one that loads is the service's own (same origin, no CDN).
      const allowed = new Set([
        `<script nonce="${nonce}">`,
        `<script nonce="${nonce}" src="/assets/simplewebauthn-browser.js">`,
      ]);
      const scripts = [...body.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      expect(
        scripts.filter((tag) => !allowed.has(tag)),
        path,
      ).toEqual([]);
      expect(body, path).not.toMatch(/\b(src|href)="(https?:)?\/\//);
      expect(answer.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(answer.headers.get('x-frame-options'), path).toBe('DENY');
      expect(answer.headers.get('cache-control'), path).toBe('no-store');
      expect(body, path).not.toContain('secret-in-the-address');
    }
  });

  it("serves the sign-in page's WebAuthn helper itself, as a script", async () => {
    server = await startServer();
    const asset = await fetch(`${server.url}/assets/simplewebauthn-browser.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await asset.text()).toContain('SimpleWebAuthnBrowser');
  });

  it("/login links to the forgot-password page, and the service's own address leads to /login", async () => {
    server = await startServer();
    expect((await call(server, 'GET', '/login')).body).toContain(
      '<a id="forgot-password" href="/forgot-password">Forgot password?</a>',
    );
    const root = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/login']);
  });

  it('a link page ignores parameters a mail tracker adds, and refuses a token longer than any real one in the error shape', async () => {
    server = await startServer();
    const tracked = await call(server, 'GET', '/reset-password?token=a.b&utm_source=mail&utm_medium=email');
    expect(tracked.status).toBe(200);
    expect(tracked.headers.get('content-type')).toContain('text/html');
    const long = await call(server, 'GET', `/set-password?token=${'a'.repeat(513)}`);
    expect([long.status, long.body.code]).toEqual([400, 'validation_failed']);
    expect((await call(server, 'GET', '/reset-password')).status).toBe(200);
  });

  it('no log line carries the token of a link, whether the page is opened, refused, or the token is used', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
    server = await startServer({}, { logger });
    const user = await register(server);
    await call(server, 'POST', '/auth/reset-password', { body: { email: user.email } });
    const token = resetTokenIn(await waitForMail(server.dataDir, user.email))!;
    const secret = token.split('.')[1]!;
    const link = `?token=${encodeURIComponent(token)}`;
    for (const path of [
      `/reset-password${link}`,
      `/reset-password/${link}`,
      `/set-password${link}`,
      `/reset-password${link}&zz=1`,
      `/reset-pass${link}`,
    ]) {
      await fetch(`${server.url}${path}`);
      await fetch(`${server.url}${path}`, { method: 'HEAD' });
    }
    await call(server, 'PUT', '/auth/reset-password', { body: { reset_token: token, new_password: 'correct' } });
    expect(
      (
        await call(server, 'PUT', '/auth/reset-password', {
          body: { reset_token: token, new_password: 'Brand-new-secret-77' },
        })
      ).status,
    ).toBe(200);
    await call(server, 'PUT', '/auth/reset-password', {
      body: { new_password: 'Brand-new-secret-77' },
      headers: { authorization: `Bearer ${token}` },
    });

    const log = lines.join('');
    expect(log).toContain('"path":"/reset-password"');
    expect(log).toContain('"path":"/set-password"');
    expect(log).toContain('"path":"/api/v1/auth/reset-password"');
    for (const leak of [secret, encodeURIComponent(token), 'token=']) expect(log).not.toContain(leak);
  });
});

describe('LINK_BASE_URL', () => {
  it("points mail links at an app's own pages, whose token works with PUT /api/v1/auth/reset-password; the sender stays PUBLIC_URL", async () => {
    server = await startServer({ LINK_BASE_URL: 'https://app.example.test/account/' });
    const admin = await register(server);
    await call(server, 'POST', '/auth/reset-password', { body: { email: admin.email } });
    const reset = await waitForMail(server.dataDir, admin.email);
    expect(passwordLinkIn(reset)).toMatch(/^https:\/\/app\.example\.test\/account\/reset-password\?token=[^&\s]+$/);
    expect(reset.html).toContain(`href="${passwordLinkIn(reset)}"`);
    expect(reset.text).toContain(`Sent by Accounts (${server.service.config.publicUrl})`);
    // What the app's page does with the token: the body…
    const byBody = await call(server, 'PUT', '/api/v1/auth/reset-password', {
      body: { reset_token: resetTokenIn(reset), new_password: 'Brand-new-secret-77' },
    });
    expect([byBody.status, byBody.body]).toEqual([200, { detail: 'Password reset' }]);

    const made = await call(server, 'POST', '/admin/users', {
      token: (
        await call(server, 'POST', '/auth', { body: { username: admin.username, password: 'Brand-new-secret-77' } })
      ).body.access_token,
      body: { username: 'grace', email: 'grace@example.test', send_mail: true },
    });
    expect(made.status).toBe(201);
    const setup = await waitForMail(server.dataDir, 'grace@example.test');
    expect(passwordLinkIn(setup)).toMatch(/^https:\/\/app\.example\.test\/account\/set-password\?token=[^&\s]+$/);
    // … or the Bearer header.
    const byHeader = await call(server, 'PUT', '/api/v1/auth/reset-password', {
      body: { new_password: 'Her-own-pass-4217' },
      headers: { authorization: `Bearer ${resetTokenIn(setup)}` },
    });
    expect(byHeader.status).toBe(200);
    expect(
      (await call(server, 'POST', '/auth', { body: { username: 'grace', password: 'Her-own-pass-4217' } })).status,
    ).toBe(200);
  });
});
