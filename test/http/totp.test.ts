import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, TestClock, type TestServer } from '../support/server.js';
import { codeAt, enableTotp } from '../support/totp.js';

describe('two-factor authentication (TOTP)', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('set-up gives a base32 secret and a complete otpauth URI; a code from it turns 2FA on with 10 backup codes', async () => {
    server = await startServer({ SERVICE_NAME: 'Acme ID' }, { clock: new TestClock() });
    const user = await register(server);
    const setup = await call(server, 'GET', '/auth/totp', { token: user.token });
    expect(setup.status).toBe(200);
    expect(setup.body.secret).toMatch(/^[A-Z2-7]+=*$/);
    const uri = new URL(setup.body.uri);
    expect(uri.protocol).toBe('otpauth:');
    expect(decodeURIComponent(setup.body.uri)).toContain(`otpauth://totp/Acme ID:${user.username}?`);
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      secret: setup.body.secret,
      issuer: 'Acme ID',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
    const wrong = await call(server, 'POST', '/auth/totp', { token: user.token, body: { code: '000000' } });
    expect(wrong.body.code).toBe('invalid_totp');
    const on = await call(server, 'POST', '/auth/totp', {
      token: user.token,
      body: { code: await codeAt(setup.body.secret, server.clock) },
    });
    expect(on.status).toBe(200);
    expect(on.body.backup_codes).toHaveLength(10);
    expect(new Set(on.body.backup_codes).size).toBe(10);
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).body.totp_enabled).toBe(true);
    expect((await call(server, 'GET', '/auth/totp', { token: user.token })).status).toBe(409);
  });

  it('login then needs the code: none is totp_required, a wrong one invalid_totp, a right one works once', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    const user = await register(server);
    const { secret } = await enableTotp(server, user.token);
    const body = { username: user.username, password: user.password };
    expect((await call(server, 'POST', '/auth', { body })).body.code).toBe('totp_required');
    expect((await call(server, 'POST', '/auth', { body: { ...body, totp_code: '123' } })).body.code).toBe(
      'invalid_totp',
    );
    clock.advance(30_000);
    const code = await codeAt(secret, clock);
    expect((await call(server, 'POST', '/auth', { body: { ...body, totp_code: code } })).status).toBe(200);
    // The same code never works twice for an account.
    expect((await call(server, 'POST', '/auth', { body: { ...body, totp_code: code } })).body.code).toBe(
      'invalid_totp',
    );
    // ±1 step: the next step's code works now, a code two steps ahead does not.
    expect(
      (await call(server, 'POST', '/auth', { body: { ...body, totp_code: await codeAt(secret, clock, 2) } })).body.code,
    ).toBe('invalid_totp');
    expect(
      (await call(server, 'POST', '/auth', { body: { ...body, totp_code: await codeAt(secret, clock, 1) } })).status,
    ).toBe(200);
  });

  it('update-password, username change and deletion need the code when 2FA is on', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    await register(server); // the first account is the superadmin, which cannot be deleted
    const user = await register(server);
    const { secret } = await enableTotp(server, user.token);
    clock.advance(30_000);
    const change = { old_password: user.password, new_password: 'Another-sturdy-pass-9' };
    expect((await call(server, 'PUT', '/auth/update-password', { token: user.token, body: change })).body.code).toBe(
      'totp_required',
    );
    expect(
      (
        await call(server, 'PUT', '/auth/update-password', {
          token: user.token,
          body: { ...change, totp_code: await codeAt(secret, clock) },
        })
      ).status,
    ).toBe(200);
    clock.advance(30_000);
    expect(
      (
        await call(server, 'PUT', '/auth/me/username', {
          token: user.token,
          body: { new_username: 'renamed_2fa', password: change.new_password },
        })
      ).body.code,
    ).toBe('totp_required');
    expect(
      (
        await call(server, 'PUT', '/auth/me/username', {
          token: user.token,
          body: { new_username: 'renamed_2fa', password: change.new_password, totp_code: await codeAt(secret, clock) },
        })
      ).status,
    ).toBe(200);
    clock.advance(30_000);
    expect(
      (await call(server, 'DELETE', '/auth/me', { token: user.token, body: { password: change.new_password } })).body
        .code,
    ).toBe('totp_required');
    expect(
      (
        await call(server, 'DELETE', '/auth/me', {
          token: user.token,
          body: { password: change.new_password, totp_code: await codeAt(secret, clock) },
        })
      ).status,
    ).toBe(200);
  });

  it('a backup code turns 2FA off once; new backup codes make the old ones die', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    const user = await register(server);
    const { secret, backupCodes } = await enableTotp(server, user.token);
    clock.advance(30_000);
    const fresh = await call(server, 'POST', '/auth/totp/backup-codes', {
      token: user.token,
      body: { code: await codeAt(secret, clock) },
    });
    expect(fresh.status).toBe(200);
    expect(fresh.body.backup_codes).toHaveLength(10);
    expect(
      (await call(server, 'DELETE', '/auth/totp', { token: user.token, body: { code: backupCodes[0] } })).body.code,
    ).toBe('invalid_totp');
    const off = await call(server, 'DELETE', '/auth/totp', {
      token: user.token,
      body: { code: fresh.body.backup_codes[0] },
    });
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ detail: '2FA disabled' });
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).body.totp_enabled).toBe(false);
    expect(
      (await call(server, 'POST', '/auth', { body: { username: user.username, password: user.password } })).status,
    ).toBe(200);
  });

  it('recover signs in with password and backup code, turns 2FA off, and spends the code', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    const user = await register(server);
    const { backupCodes } = await enableTotp(server, user.token);
    const wrong = await call(server, 'POST', '/auth/totp/recover', {
      body: { username: user.username, password: user.password, backup_code: 'aaaa-bbbb-cccc-dddd' },
    });
    expect(wrong.body.code).toBe('invalid_totp');
    const recovered = await call(server, 'POST', '/auth/totp/recover', {
      body: { username: user.username, password: user.password, backup_code: backupCodes[3]!.toUpperCase() },
    });
    expect(recovered.status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { token: recovered.body.access_token })).body.totp_enabled).toBe(
      false,
    );
    const again = await call(server, 'POST', '/auth/totp/recover', {
      body: { username: user.username, password: user.password, backup_code: backupCodes[3] },
    });
    expect(again.status).toBe(409);
    expect(
      (
        await call(server, 'POST', '/auth/totp/recover', {
          body: { username: 'nobody_at_all', password: user.password, backup_code: backupCodes[3] },
        })
      ).body.code,
    ).toBe('invalid_credentials');
  });

  it('the TOTP secret and backup codes never reach an event in plaintext', async () => {
    server = await startServer({}, { clock: new TestClock() });
    const user = await register(server);
    const { secret, backupCodes } = await enableTotp(server, user.token);
    const raw = JSON.stringify((await server.service.eventStore.readAll()).map((e) => e.data));
    expect(raw).not.toContain(secret);
    for (const code of backupCodes) expect(raw).not.toContain(code);
  });
});
