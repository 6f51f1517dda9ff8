import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, TestClock, type TestServer } from '../support/server.js';
import { codeAt, enableTotp } from '../support/totp.js';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const DAY = 24 * 3_600_000;

describe('trusted devices', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  /** An account with 2FA on, and a password sign-in that passes the code and asks to be remembered. */
  async function remembered(options: { remember?: boolean } = {}) {
    server = await startServer({}, { clock: new TestClock() });
    const user = await register(server);
    const { secret } = await enableTotp(server, user.token);
    server.clock.advance(30_000);
    const signIn = await call(server, 'POST', '/auth', {
      headers: { 'user-agent': FIREFOX },
      body: {
        username: user.username,
        password: user.password,
        totp_code: await codeAt(secret, server.clock),
        remember_device: options.remember ?? true,
      },
    });
    expect(signIn.status).toBe(200);
    const login = (body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
      call(server, 'POST', '/auth', { headers, body: { username: user.username, password: user.password, ...body } });
    return { user, secret, signIn, login };
  }

  it('a device remembered at a two-factor sign-in skips the code of the next password sign-ins; others still need it', async () => {
    const { signIn, login, user } = await remembered();
    expect(signIn.body).toMatchObject({
      device_token: expect.stringMatching(/^dv_/),
      device_expires_at: expect.any(String),
    });
    expect(new Date(signIn.body.device_expires_at).getTime() - server.clock.now().getTime()).toBe(30 * DAY);
    expect((await login({ device_token: signIn.body.device_token })).status).toBe(200);
    expect((await login()).body.code).toBe('totp_required');
    // Another account's device token skips nothing here.
    expect((await login({ device_token: 'dv_00000000-0000-4000-8000-000000000000.' + 'A'.repeat(43) })).body.code).toBe(
      'totp_required',
    );
    const devices = await call(server, 'GET', '/auth/devices', {
      token: user.token,
      headers: { 'x-device-token': signIn.body.device_token },
    });
    expect(devices.body).toEqual([
      {
        id: expect.any(String),
        name: 'Firefox 128 on Linux',
        created_at: server.clock.now().toISOString(),
        last_used_at: server.clock.now().toISOString(),
        expires_at: signIn.body.device_expires_at,
        current: true,
      },
    ]);
  });

  it('expires after TRUSTED_DEVICE_TTL, and is forgotten one by one or all at once', async () => {
    const { signIn, login, user } = await remembered();
    const token = signIn.body.device_token as string;
    const [device] = (await call(server, 'GET', '/auth/devices', { token: user.token })).body;
    expect((await call(server, 'DELETE', `/auth/devices/${device.id}`, { token: user.token })).status).toBe(200);
    expect((await login({ device_token: token })).body.code).toBe('totp_required');
    expect((await call(server, 'GET', '/auth/devices', { token: user.token })).body).toEqual([]);
    expect((await call(server, 'DELETE', '/auth/devices', { token: user.token })).body).toEqual({
      detail: 'Devices forgotten',
      forgotten: 0,
    });

    const again = await remembered();
    server.clock.advance(30 * DAY + 1000);
    expect((await again.login({ device_token: again.signIn.body.device_token })).body.code).toBe('totp_required');
  });

  it("the audit trail records the device, never its token's hash", async () => {
    const { user } = await remembered();
    const me = (await call(server, 'GET', '/auth/me', { token: user.token })).body;
    const history = await call(server, 'GET', `/admin/users/${me.id}/history`, { token: user.token });
    const trusted = history.body.events.find((event: { type: string }) => event.type === 'DeviceTrusted');
    expect(trusted.data).toMatchObject({ name: 'Firefox 128 on Linux', tokenHash: '[secret]' });
    expect(JSON.stringify(history.body)).not.toMatch(/"tokenHash":"[0-9a-f]{64}"/);
  });

  it('a password change and turning 2FA off forget every device', async () => {
    const { signIn, user, secret } = await remembered();
    const changed = await call(server, 'PUT', '/auth/update-password', {
      token: user.token,
      body: {
        old_password: user.password,
        new_password: 'A-new-sturdy-password-9',
        totp_code: await codeAt(secret, server.clock, 1),
      },
    });
    expect(changed.status).toBe(200);
    const login2 = await call(server, 'POST', '/auth', {
      body: { username: user.username, password: 'A-new-sturdy-password-9', device_token: signIn.body.device_token },
    });
    expect(login2.body.code).toBe('totp_required');

    const other = await remembered();
    server.clock.advance(60_000);
    const fresh = (await other.login({ device_token: other.signIn.body.device_token })).body.access_token as string;
    const off = await call(server, 'DELETE', '/auth/totp', {
      token: fresh,
      body: { code: await codeAt(other.secret, server.clock) },
    });
    expect(off.status).toBe(200);
    expect((await call(server, 'GET', '/auth/devices', { token: fresh })).body).toEqual([]);
  });

  it('a browser keeps the device token in an HttpOnly cookie scoped to the sign-in routes, and sends it back', async () => {
    server = await startServer({}, { clock: new TestClock() });
    const user = await register(server);
    const { secret } = await enableTotp(server, user.token);
    server.clock.advance(30_000);
    const browser = await call(server, 'POST', '/auth?session=cookie', {
      headers: { 'sec-fetch-site': 'same-origin' },
      body: {
        username: user.username,
        password: user.password,
        totp_code: await codeAt(secret, server.clock),
        remember_device: true,
      },
    });
    const cookie = browser.headers.getSetCookie().find((c) => c.startsWith('accounts_device='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Path=\/api\/v1\/auth/);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const again = await call(server, 'POST', '/auth', {
      headers: { cookie: cookie.split(';')[0]! },
      body: { username: user.username, password: user.password },
    });
    expect(again.status).toBe(200);
  });

  it('without 2FA there is nothing to skip: no device is remembered', async () => {
    server = await startServer();
    const user = await register(server);
    const signIn = await call(server, 'POST', '/auth', {
      body: { username: user.username, password: user.password, remember_device: true },
    });
    expect(signIn.status).toBe(200);
    expect(signIn.body.device_token).toBeUndefined();
  });
});
