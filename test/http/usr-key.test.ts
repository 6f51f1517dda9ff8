import { generate } from 'otplib';
import { afterEach, describe, expect, it } from 'vitest';
import { call, register, newUser, startServer, TestClock, type TestServer } from '../support/server.js';

describe('legacy user key (usr)', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('is shown once at registration and by GET /auth/usr-key, logs in, and is never in an event in plaintext', async () => {
    server = await startServer();
    await register(server); // the first account is the superadmin: no user-key sign-in for admins
    const made = await call(server, 'POST', '/auth/register', { body: newUser() });
    expect(made.body.usr).toMatch(/^[0-9a-f]{64}$/);
    const token = made.body.access_token;
    expect((await call(server, 'GET', '/auth/usr-key', { token })).body).toEqual({ usr: made.body.usr });
    const login = await call(server, 'POST', '/auth/usr', { body: { usr: made.body.usr } });
    expect(login.status).toBe(200);
    expect(login.body.usr).toBeUndefined();
    expect((await call(server, 'GET', '/auth/me', { token: login.body.access_token })).body.id).toBe(
      (await call(server, 'GET', '/auth/me', { token })).body.id,
    );
    expect(JSON.stringify((await server.service.eventStore.readAll()).map((e) => e.data))).not.toContain(made.body.usr);
    expect((await call(server, 'GET', '/auth/setup-status')).body.login_methods).toContain('usr');
  });

  it('a wrong or rotated key is refused; rotation gives a new one that works', async () => {
    server = await startServer();
    await register(server); // the first account is the superadmin: no user-key sign-in for admins
    const made = await call(server, 'POST', '/auth/register', { body: newUser() });
    expect((await call(server, 'POST', '/auth/usr', { body: { usr: 'f'.repeat(64) } })).body.code).toBe(
      'invalid_credentials',
    );
    const rotated = await call(server, 'POST', '/auth/usr-key', { token: made.body.access_token });
    expect(rotated.body.usr).toMatch(/^[0-9a-f]{64}$/);
    expect(rotated.body.usr).not.toBe(made.body.usr);
    expect((await call(server, 'POST', '/auth/usr', { body: { usr: made.body.usr } })).status).toBe(401);
    expect((await call(server, 'POST', '/auth/usr', { body: { usr: rotated.body.usr } })).status).toBe(200);
  });

  it('needs the TOTP code when 2FA is on, and is off with ALLOW_USR_LOGIN=false', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    await register(server); // the first account is the superadmin: no user-key sign-in for admins
    const made = await call(server, 'POST', '/auth/register', { body: newUser() });
    const token = made.body.access_token;
    const setup = await call(server, 'GET', '/auth/totp', { token });
    await call(server, 'POST', '/auth/totp', {
      token,
      body: { code: await generate({ secret: setup.body.secret, epoch: Math.floor(clock.now().getTime() / 1000) }) },
    });
    clock.advance(30_000);
    expect((await call(server, 'POST', '/auth/usr', { body: { usr: made.body.usr } })).body.code).toBe('totp_required');
    const code = await generate({ secret: setup.body.secret, epoch: Math.floor(clock.now().getTime() / 1000) });
    expect((await call(server, 'POST', '/auth/usr', { body: { usr: made.body.usr, totp_code: code } })).status).toBe(
      200,
    );
    await server.close();

    server = await startServer({ ALLOW_USR_LOGIN: 'false' });
    const other = await call(server, 'POST', '/auth/register', { body: newUser() });
    const off = await call(server, 'POST', '/auth/usr', { body: { usr: other.body.usr } });
    expect(off.status).toBe(403);
    expect((await call(server, 'GET', '/auth/setup-status')).body.login_methods).not.toContain('usr');
  });
});
