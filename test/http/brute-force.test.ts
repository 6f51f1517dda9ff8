import { generate } from 'otplib';
import { afterEach, describe, expect, it } from 'vitest';
import { call, newUser, register, startServer, TestClock, type TestServer } from '../support/server.js';
import { waitForMail } from '../support/mail.js';

const login = (server: TestServer, username: string, password: string) =>
  call(server, 'POST', '/auth', { body: { username, password } });

describe('account lockout', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('five failed logins in a row lock the account for 15 minutes with Retry-After, and the audit trail shows it', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    const user = await register(server);
    for (let i = 0; i < 5; i += 1) expect((await login(server, user.username, 'Wrong-password-1')).status).toBe(401);
    const locked = await login(server, user.username, user.password);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('account_locked');
    expect(Number(locked.headers.get('retry-after'))).toBe(15 * 60);
    clock.advance(10 * 60_000);
    expect(Number((await login(server, user.username, user.password)).headers.get('retry-after'))).toBe(5 * 60);
    clock.advance(5 * 60_000);
    expect((await login(server, user.username, user.password)).status).toBe(200);
    const history = (await call(server, 'GET', '/auth/me/history?limit=200', { token: user.token })).body.map(
      (e: { type: string }) => e.type,
    );
    expect(history.filter((t: string) => t === 'LoginFailed')).toHaveLength(5);
    expect(history).toContain('AccountLocked');
  });

  it('a success resets the count', async () => {
    server = await startServer();
    const user = await register(server);
    for (let i = 0; i < 4; i += 1) await login(server, user.username, 'Wrong-password-1');
    expect((await login(server, user.username, user.password)).status).toBe(200);
    for (let i = 0; i < 4; i += 1) expect((await login(server, user.username, 'Wrong-password-1')).status).toBe(401);
    expect((await login(server, user.username, user.password)).status).toBe(200);
  });

  it('wrong TOTP codes count too', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    const user = await register(server);
    const setup = await call(server, 'GET', '/auth/totp', { token: user.token });
    await call(server, 'POST', '/auth/totp', {
      token: user.token,
      body: { code: await generate({ secret: setup.body.secret, epoch: Math.floor(clock.now().getTime() / 1000) }) },
    });
    for (let i = 0; i < 5; i += 1) {
      expect(
        (
          await call(server, 'POST', '/auth', {
            body: { username: user.username, password: user.password, totp_code: '000000' },
          })
        ).status,
      ).toBe(401);
    }
    expect((await login(server, user.username, user.password)).body.code).toBe('account_locked');
  });
});

describe('per-IP rate limits on unauthenticated endpoints', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('past RATE_LIMIT_MAX a minute, an address gets 429 rate_limited with Retry-After', async () => {
    server = await startServer({ RATE_LIMIT_MAX: '3' });
    for (let i = 0; i < 3; i += 1)
      expect(
        (await call(server, 'POST', '/auth', { body: { username: 'someone', password: 'whatever-1' } })).status,
      ).toBe(401);
    const limited = await call(server, 'POST', '/auth', { body: { username: 'someone', password: 'whatever-1' } });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ detail: expect.any(String), code: 'rate_limited' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    for (const [method, path, body] of [
      ['POST', '/auth/register', newUser()],
      ['POST', '/auth/send-code', { email: 'a@example.test' }],
      ['POST', '/auth/reset-password', { email: 'a@example.test' }],
      ['POST', '/auth/verify-code', { email: 'a@example.test', code: '123456' }],
    ] as const) {
      expect((await call(server, method, path, { body })).status, path).toBe(429);
    }
    expect((await call(server, 'GET', '/healthz')).status).toBe(200);
  });

  it('RATE_LIMIT_MAX=0 turns per-IP limits off (lockout stays)', async () => {
    server = await startServer({ RATE_LIMIT_MAX: '0' });
    for (let i = 0; i < 30; i += 1)
      expect(
        (await call(server, 'POST', '/auth', { body: { username: `someone${i}`, password: 'whatever-1' } })).status,
      ).toBe(401);
  });

  it('a name without an account locks like one: five failures, then 429 account_locked, so the answers do not tell them apart', async () => {
    server = await startServer();
    const user = await register(server);
    const answers = async (username: string) => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i += 1)
        statuses.push(
          (await call(server, 'POST', '/auth', { body: { username, password: 'Wrong-password-1' } })).status,
        );
      return statuses;
    };
    expect(await answers('nobody_here')).toEqual(await answers(user.username));
    expect(await answers('nobody_here2')).toEqual([401, 401, 401, 401, 401, 429]);
  });
});

describe('security notices', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('a password change, 2FA on and off, and a used backup code each mail the verified address', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    const user = await register(server);
    const sent = await call(server, 'POST', '/auth/me/send-otp', { token: user.token });
    const codeMail = await waitForMail(server.dataDir, user.email);
    await call(server, 'POST', '/auth/verify-otp', {
      body: { otp: /\b(\d{6})\b/.exec(codeMail.text)![1], otp_session: sent.body.otp_session },
    });

    await call(server, 'PUT', '/auth/update-password', {
      token: user.token,
      body: { old_password: user.password, new_password: 'Another-sturdy-pass-9' },
    });
    await waitForMail(server.dataDir, user.email, { match: (m) => /password was changed/i.test(m.subject) });
    const setup = await call(server, 'GET', '/auth/totp', { token: user.token });
    const on = await call(server, 'POST', '/auth/totp', {
      token: user.token,
      body: { code: await generate({ secret: setup.body.secret, epoch: Math.floor(clock.now().getTime() / 1000) }) },
    });
    await waitForMail(server.dataDir, user.email, { match: (m) => /two-factor.*(on|enabled)/i.test(m.subject) });
    await call(server, 'DELETE', '/auth/totp', { token: user.token, body: { code: on.body.backup_codes[0] } });
    await waitForMail(server.dataDir, user.email, { match: (m) => /backup code/i.test(m.subject) });
    await waitForMail(server.dataDir, user.email, { match: (m) => /two-factor.*(off|disabled)/i.test(m.subject) });
  });

  it('an unverified address gets no notice', async () => {
    server = await startServer();
    const user = await register(server);
    await call(server, 'PUT', '/auth/update-password', {
      token: user.token,
      body: { old_password: user.password, new_password: 'Another-sturdy-pass-9' },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { mailbox } = await import('../support/mail.js');
    expect((await mailbox(server.dataDir)).filter((m) => m.to === user.email)).toEqual([]);
  });
});
