import { generate } from 'otplib';
import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, TestClock, type TestServer } from '../support/server.js';
import { codeIn, waitForMail } from '../support/mail.js';

describe('security rules hold under concurrency', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('twenty parallel wrong answers to one code: exactly four 401s, the rest refused unjudged (410, or 429 once the guesses per account are spent)', async () => {
    server = await startServer();
    const user = await register(server);
    const sent = await call(server, 'POST', '/auth/me/send-otp', { token: user.token });
    const code = codeIn(await waitForMail(server.dataDir, user.email))!;
    const wrong = code === '000000' ? '111111' : '000000';
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(server, 'POST', '/auth/verify-otp', { body: { otp: wrong, otp_session: sent.body.otp_session } }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(4);
    // Which refusal the rest get depends on how the requests interleave (the code spent, or the
    // account's guesses counted first); none of them is judged.
    expect(statuses.filter((s) => s === 410 || s === 429)).toHaveLength(16);
  });

  it('one TOTP code in ten parallel logins works exactly once', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    const user = await register(server);
    const setup = await call(server, 'GET', '/auth/totp', { token: user.token });
    await call(server, 'POST', '/auth/totp', {
      token: user.token,
      body: { code: await generate({ secret: setup.body.secret, epoch: Math.floor(clock.now().getTime() / 1000) }) },
    });
    clock.advance(30_000);
    const code = await generate({ secret: setup.body.secret, epoch: Math.floor(clock.now().getTime() / 1000) });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        call(server, 'POST', '/auth', { body: { username: user.username, password: user.password, totp_code: code } }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
  });

  it('thirty parallel wrong passwords: five 401s, then 429, never more failures than the lock allows', async () => {
    server = await startServer();
    const user = await register(server);
    const answers = await Promise.all(
      Array.from({ length: 30 }, () =>
        call(server, 'POST', '/auth', { body: { username: user.username, password: 'Wrong-password-1' } }),
      ),
    );
    expect(answers.filter((a) => a.status === 401)).toHaveLength(5);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(25);
  });
});
