import { generate } from 'otplib';
import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, TestClock, type TestServer } from '../support/server.js';
import { codeIn, mailbox, resetTokenIn, waitForMail, verifyAddress } from '../support/mail.js';

const totpAt = (secret: string, clock: TestClock) =>
  generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function enable2fa(server: TestServer, token: string) {
  const setup = await call(server, 'GET', '/auth/totp', { token });
  const on = await call(server, 'POST', '/auth/totp', {
    token,
    body: { code: await totpAt(setup.body.secret, server.clock) },
  });
  return { secret: setup.body.secret as string, backupCodes: on.body.backup_codes as string[] };
}

describe('guessing codes is bounded across codes, not only per code', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('an address gets at most 5 login codes an hour; a burned code stays 410 without more guesses', async () => {
    server = await startServer({}, { clock: new TestClock() });
    const email = 'target@example.test';
    for (let i = 0; i < 7; i += 1)
      expect((await call(server, 'POST', '/auth/send-code', { body: { email } })).status).toBe(202);
    await waitForMail(server.dataDir, email, { after: 4 });
    await pause(300);
    expect((await mailbox(server.dataDir)).filter((m) => m.to === email)).toHaveLength(5);
    const answers: number[] = [];
    for (let i = 0; i < 8; i += 1)
      answers.push(
        (await call(server, 'POST', '/auth/verify-code', { body: { email, code: String(100000 + i) } })).status,
      );
    expect(answers).toEqual([401, 401, 401, 401, 410, 410, 410, 410]);
  });

  it('the code limits follow CODE_ISSUE_LIMIT and CODE_FAILURE_LIMIT', async () => {
    server = await startServer({ CODE_ISSUE_LIMIT: '2', CODE_FAILURE_LIMIT: '3' }, { clock: new TestClock() });
    const user = await register(server);
    expect((await call(server, 'POST', '/auth/me/send-otp', { token: user.token })).status).toBe(200);
    expect((await call(server, 'POST', '/auth/me/send-otp', { token: user.token })).status).toBe(200);
    expect((await call(server, 'POST', '/auth/me/send-otp', { token: user.token })).status).toBe(429);
    const email = 'limited@example.test';
    await call(server, 'POST', '/auth/send-code', { body: { email } });
    await waitForMail(server.dataDir, email);
    const answers: number[] = [];
    for (let i = 0; i < 4; i += 1)
      answers.push(
        (await call(server, 'POST', '/auth/verify-code', { body: { email, code: String(300000 + i) } })).status,
      );
    expect(answers).toEqual([401, 401, 401, 429]);
  });

  it('ten wrong login codes an hour for an address, across codes, end in 429', async () => {
    server = await startServer({}, { clock: new TestClock() });
    const email = 'guessed@example.test';
    const answers: number[] = [];
    for (const guesses of [4, 4, 4]) {
      await call(server, 'POST', '/auth/send-code', { body: { email } });
      await waitForMail(server.dataDir, email, { after: answers.length / 4 });
      for (let i = 0; i < guesses; i += 1)
        answers.push(
          (await call(server, 'POST', '/auth/verify-code', { body: { email, code: String(200000 + answers.length) } }))
            .status,
        );
    }
    expect(answers).toEqual([401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 429, 429]);
  });

  it('a verification code works only while it is the newest, sends are capped at 5 an hour, and failures across codes too', async () => {
    server = await startServer({}, { clock: new TestClock() });
    const user = await register(server);
    const first = await call(server, 'POST', '/auth/me/send-otp', { token: user.token });
    const firstCode = codeIn(await waitForMail(server.dataDir, user.email))!;
    await call(server, 'POST', '/auth/me/send-otp', { token: user.token });
    const stale = await call(server, 'POST', '/auth/verify-otp', {
      body: { otp: firstCode, otp_session: first.body.otp_session },
    });
    expect(stale.status).toBe(410);
    for (let i = 0; i < 3; i += 1)
      expect((await call(server, 'POST', '/auth/me/send-otp', { token: user.token })).status).toBe(200);
    const capped = await call(server, 'POST', '/auth/me/send-otp', { token: user.token });
    expect(capped.status).toBe(429);
    expect(Number(capped.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('with a stolen session, wrong two-factor codes lock the account after five; the right code then gets 429', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    const user = await register(server);
    const { secret } = await enable2fa(server, user.token);
    clock.advance(30_000);
    for (let i = 0; i < 5; i += 1)
      expect(
        (await call(server, 'DELETE', '/auth/totp', { token: user.token, body: { code: '000000' } })).body.code,
      ).toBe('invalid_totp');
    const locked = await call(server, 'DELETE', '/auth/totp', {
      token: user.token,
      body: { code: await totpAt(secret, clock) },
    });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('account_locked');
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).body.totp_enabled).toBe(true);
    const backup = await call(server, 'POST', '/auth/totp/backup-codes', {
      token: user.token,
      body: { code: await totpAt(secret, clock) },
    });
    expect(backup.body.code).toBe('account_locked');
  });

  it('backup-code regeneration refuses a missing or wrong code; recover refuses on a locked account', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    const user = await register(server);
    const { backupCodes } = await enable2fa(server, user.token);
    expect(
      (await call(server, 'POST', '/auth/totp/backup-codes', { token: user.token, body: { code: '' } })).status,
    ).toBe(400);
    expect(
      (await call(server, 'POST', '/auth/totp/backup-codes', { token: user.token, body: { code: '999999' } })).body
        .code,
    ).toBe('invalid_totp');
    for (let i = 0; i < 4; i += 1)
      await call(server, 'POST', '/auth', { body: { username: user.username, password: 'Wrong-password-1' } });
    const recover = await call(server, 'POST', '/auth/totp/recover', {
      body: { username: user.username, password: user.password, backup_code: backupCodes[0] },
    });
    expect(recover.body.code).toBe('account_locked');
  });
});

describe('reset tokens and email codes die with the credentials they were sent for', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  const resetLink = async (server: TestServer, email: string, after = 0) => {
    await call(server, 'POST', '/auth/reset-password', { body: { email } });
    return resetTokenIn(await waitForMail(server.dataDir, email, { match: (m) => /reset/i.test(m.subject), after }))!;
  };

  it('a reset link from before a password change, or before another reset, no longer works', async () => {
    server = await startServer();
    const user = await register(server);
    const first = await resetLink(server, user.email);
    const second = await resetLink(server, user.email, 1);
    expect(
      (
        await call(server, 'PUT', '/auth/reset-password', {
          body: { reset_token: second, new_password: 'Brand-new-secret-77' },
        })
      ).status,
    ).toBe(200);
    const old = await call(server, 'PUT', '/auth/reset-password', {
      body: { reset_token: first, new_password: 'Attacker-choice-88' },
    });
    expect(old.status).toBe(410);
    const login = await call(server, 'POST', '/auth', {
      body: { username: user.username, password: 'Brand-new-secret-77' },
    });
    const third = await resetLink(server, user.email, 2);
    await call(server, 'PUT', '/auth/update-password', {
      token: login.body.access_token,
      body: { old_password: 'Brand-new-secret-77', new_password: 'Changed-again-99x' },
    });
    expect(
      (
        await call(server, 'PUT', '/auth/reset-password', {
          body: { reset_token: third, new_password: 'Attacker-choice-88' },
        })
      ).status,
    ).toBe(410);
  });

  it('a reset link or a login code sent to the old address no longer works after the address moved', async () => {
    server = await startServer();
    const user = await register(server);
    const link = await resetLink(server, user.email);
    await call(server, 'POST', '/auth/send-code', { body: { email: user.email } });
    const code = codeIn(
      await waitForMail(server.dataDir, user.email, { match: (m) => /sign-in code/i.test(m.subject) }),
    )!;
    await call(server, 'PUT', '/auth/me', {
      token: user.token,
      body: { email: 'moved@example.test', password: user.password },
    });
    expect(
      (
        await call(server, 'PUT', '/auth/reset-password', {
          body: { reset_token: link, new_password: 'Attacker-choice-88' },
        })
      ).status,
    ).toBe(410);
    const viaCode = await call(server, 'POST', '/auth/verify-code', { body: { email: user.email, code } });
    expect(viaCode.status).toBe(410);
  });
});

describe('answers that must not tell whether an address has an account', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('reset-password and send-code append nothing in the request, so X-Event-Position is the same for known and unknown', async () => {
    server = await startServer();
    const user = await register(server);
    for (const path of ['/auth/reset-password', '/auth/send-code']) {
      const known = await call(server, 'POST', path, { body: { email: user.email } });
      const unknown = await call(server, 'POST', path, { body: { email: 'nobody@example.test' } });
      expect(known.status).toBe(202);
      expect(unknown.status).toBe(202);
      expect(known.body).toEqual(unknown.body);
      expect(known.headers.get('x-event-position')).toMatch(/^\d+$/);
      expect(Object.keys(known.body)).toEqual(['detail']);
    }
  });

  it('verify-code checks the code before it says that 2FA is on', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    const user = await register(server);
    await verifyAddress(server, user.token, user.email);
    const { secret } = await enable2fa(server, user.token);
    await call(server, 'POST', '/auth/send-code', { body: { email: user.email } });
    const code = codeIn(
      await waitForMail(server.dataDir, user.email, { match: (m) => /sign-in code/i.test(m.subject) }),
    )!;
    const wrong = code === '000000' ? '111111' : '000000';
    expect(
      (await call(server, 'POST', '/auth/verify-code', { body: { email: user.email, code: wrong } })).body.code,
    ).toBe('invalid_credentials');
    expect((await call(server, 'POST', '/auth/verify-code', { body: { email: user.email, code } })).body.code).toBe(
      'totp_required',
    );
    clock.advance(30_000);
    const ok = await call(server, 'POST', '/auth/verify-code', {
      body: { email: user.email, code, totp_code: await totpAt(secret, clock) },
    });
    expect(ok.status).toBe(200);
  });

  it('with registration closed, wrong codes for a known and an unknown address are answered alike', async () => {
    server = await startServer({ ALLOW_NEW_ACCOUNTS: 'false' });
    const user = await register(server);
    const statuses = async (email: string) => {
      await call(server, 'POST', '/auth/send-code', { body: { email } });
      await pause(300);
      const out: number[] = [];
      for (let i = 0; i < 6; i += 1)
        out.push((await call(server, 'POST', '/auth/verify-code', { body: { email, code: '000001' } })).status);
      return out;
    };
    expect(await statuses('stranger@example.test')).toEqual(await statuses(user.email));
  });
});

describe('smaller contract points', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('a multipart verify-otp over 64 KiB is 413', async () => {
    server = await startServer();
    const form = new FormData();
    form.set('otp', '123456');
    form.set('otp_session', 'x'.repeat(70 * 1024));
    const response = await fetch(`${server.api}/auth/verify-otp`, { method: 'POST', body: form });
    expect(response.status).toBe(413);
  });

  it('after a restart, no security notice is sent again', async () => {
    server = await startServer();
    const user = await register(server);
    const sent = await call(server, 'POST', '/auth/me/send-otp', { token: user.token });
    await call(server, 'POST', '/auth/verify-otp', {
      body: { otp: codeIn(await waitForMail(server.dataDir, user.email))!, otp_session: sent.body.otp_session },
    });
    await call(server, 'PUT', '/auth/update-password', {
      token: user.token,
      body: { old_password: user.password, new_password: 'Another-sturdy-pass-9' },
    });
    await waitForMail(server.dataDir, user.email, { match: (m) => /password was changed/i.test(m.subject) });
    const before = (await mailbox(server.dataDir)).length;
    const dataDir = server.dataDir;
    await server.close();
    server = await startServer({}, { dataDir });
    await pause(500);
    expect((await mailbox(server.dataDir)).length).toBe(before);
  });
});
