import { afterEach, describe, expect, it } from 'vitest';
import { call, newUser, register, startServer, TestClock, type TestServer } from '../support/server.js';
import { codeIn, mailbox, otpSessionIn, resetTokenIn, waitForMail } from '../support/mail.js';

const login = (server: TestServer, username: string, password: string) =>
  call(server, 'POST', '/auth', { body: { username, password } });

describe('email verification', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('send-otp mails a code; verify-otp with it (JSON) verifies the address', async () => {
    server = await startServer();
    const user = await register(server);
    const sent = await call(server, 'POST', '/auth/me/send-otp', { token: user.token });
    expect(sent.status).toBe(200);
    expect(sent.body.otp_session).toMatch(/^[0-9a-f-]{36}$/);
    const mail = await waitForMail(server.dataDir, user.email);
    expect(mail.html).toContain(codeIn(mail)!);
    const verified = await call(server, 'POST', '/auth/verify-otp', {
      body: { otp: codeIn(mail), otp_session: sent.body.otp_session },
    });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ detail: 'Email verified' });
    const me = await call(server, 'GET', '/auth/me', { token: user.token });
    expect(me.body.email_verified).toBe(true);
    expect(me.body.auth_methods).toContain('email');
    expect(
      (
        await call(server, 'POST', '/auth/verify-otp', {
          body: { otp: codeIn(mail), otp_session: sent.body.otp_session },
        })
      ).body.code,
    ).toBe('challenge_used');
  });

  it('verify-otp takes multipart/form-data too', async () => {
    server = await startServer();
    const user = await register(server);
    const sent = await call(server, 'POST', '/auth/me/send-otp', { token: user.token });
    const mail = await waitForMail(server.dataDir, user.email);
    const form = new FormData();
    form.set('otp', codeIn(mail)!);
    form.set('otp_session', sent.body.otp_session);
    const response = await fetch(`${server.api}/auth/verify-otp`, { method: 'POST', body: form });
    expect(response.status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).body.email_verified).toBe(true);
  });

  it('a wrong code is 401; the fifth wrong one burns the code (410); an expired code is 410', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    const user = await register(server);
    const sent = await call(server, 'POST', '/auth/me/send-otp', { token: user.token });
    const code = codeIn(await waitForMail(server.dataDir, user.email))!;
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i += 1) {
      expect(
        (await call(server, 'POST', '/auth/verify-otp', { body: { otp: wrong, otp_session: sent.body.otp_session } }))
          .body.code,
      ).toBe('invalid_credentials');
    }
    const burned = await call(server, 'POST', '/auth/verify-otp', {
      body: { otp: wrong, otp_session: sent.body.otp_session },
    });
    expect(burned.status).toBe(410);
    expect(burned.body.code).toBe('challenge_used');
    expect(
      (await call(server, 'POST', '/auth/verify-otp', { body: { otp: code, otp_session: sent.body.otp_session } }))
        .status,
    ).toBe(410);

    const again = await call(server, 'POST', '/auth/me/send-otp', { token: user.token });
    const fresh = codeIn(await waitForMail(server.dataDir, user.email, { after: 1 }))!;
    clock.advance(10 * 60_000 + 1000);
    const expired = await call(server, 'POST', '/auth/verify-otp', {
      body: { otp: fresh, otp_session: again.body.otp_session },
    });
    expect(expired.status).toBe(410);
    expect(expired.body.code).toBe('challenge_expired');
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).body.email_verified).toBe(false);
  });

  it('changing the email through PUT /auth/me mails a verification code to the new address', async () => {
    server = await startServer();
    const user = await register(server);
    await call(server, 'PUT', '/auth/me', {
      token: user.token,
      body: { email: 'moved@example.test', password: user.password },
    });
    const mail = await waitForMail(server.dataDir, 'moved@example.test');
    const verified = await call(server, 'POST', '/auth/verify-otp', {
      body: { otp: codeIn(mail), otp_session: otpSessionIn(mail) },
    });
    expect(verified.status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).body).toMatchObject({
      email: 'moved@example.test',
      email_verified: true,
    });
  });

  it('send-otp without an address is 409; bad otp bodies are 400', async () => {
    server = await startServer();
    const user = await register(server, { email: null });
    expect((await call(server, 'POST', '/auth/me/send-otp', { token: user.token })).status).toBe(409);
    expect((await call(server, 'POST', '/auth/verify-otp', { body: { otp: '12', otp_session: 'x' } })).status).toBe(
      400,
    );
  });
});

describe('password reset', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('a reset mail lands in DATA_DIR/mail; its link resets the password once; old password and old tokens die', async () => {
    server = await startServer();
    const user = await register(server);
    const asked = await call(server, 'POST', '/auth/reset-password', { body: { email: user.email } });
    expect(asked.status).toBe(202);
    const mail = await waitForMail(server.dataDir, user.email, { match: (m) => /reset/i.test(m.subject) });
    expect(mail.text).toContain(`${server.service.config.publicUrl}/reset-password?token=`);
    const token = resetTokenIn(mail)!;
    const next = 'Brand-new-secret-77';
    const reset = await call(server, 'PUT', '/auth/reset-password', {
      body: { reset_token: token, new_password: next },
    });
    expect(reset.status).toBe(200);
    expect(reset.body).toEqual({ detail: 'Password reset' });
    expect((await login(server, user.username, user.password)).status).toBe(401);
    expect((await login(server, user.username, next)).status).toBe(200);
    expect((await call(server, 'GET', '/auth', { token: user.token })).body.code).toBe('token_revoked');
    const reused = await call(server, 'PUT', '/auth/reset-password', {
      body: { reset_token: token, new_password: 'Another-one-88x' },
    });
    expect(reused.status).toBe(410);
    expect(reused.body.code).toBe('challenge_used');
  });

  it('takes the token as a Bearer header too', async () => {
    server = await startServer();
    const user = await register(server);
    await call(server, 'POST', '/auth/reset-password', { body: { email: user.email } });
    const token = resetTokenIn(
      await waitForMail(server.dataDir, user.email, { match: (m) => /reset/i.test(m.subject) }),
    )!;
    const reset = await call(server, 'PUT', '/auth/reset-password', {
      body: { new_password: 'Brand-new-secret-77' },
      headers: { authorization: `Bearer ${token}` },
    });
    expect(reset.status).toBe(200);
  });

  it('answers 202 for an unknown address and sends nothing; a forged or expired token is refused', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    const user = await register(server);
    expect(
      (await call(server, 'POST', '/auth/reset-password', { body: { email: 'nobody@example.test' } })).status,
    ).toBe(202);
    expect(
      (
        await call(server, 'PUT', '/auth/reset-password', {
          body: { reset_token: 'forged.token', new_password: 'Brand-new-secret-77' },
        })
      ).status,
    ).toBe(401);
    await call(server, 'POST', '/auth/reset-password', { body: { email: user.email } });
    const token = resetTokenIn(
      await waitForMail(server.dataDir, user.email, { match: (m) => /reset/i.test(m.subject) }),
    )!;
    const [id] = token.split('.');
    expect(
      (
        await call(server, 'PUT', '/auth/reset-password', {
          body: { reset_token: `${id}.wrong`, new_password: 'Brand-new-secret-77' },
        })
      ).status,
    ).toBe(410);
    expect((await mailbox(server.dataDir)).some((m) => m.to === 'nobody@example.test')).toBe(false);

    await call(server, 'POST', '/auth/reset-password', { body: { email: user.email } });
    const second = resetTokenIn(
      await waitForMail(server.dataDir, user.email, { match: (m) => /reset/i.test(m.subject), after: 1 }),
    )!;
    clock.advance(30 * 60_000 + 1000);
    const expired = await call(server, 'PUT', '/auth/reset-password', {
      body: { reset_token: second, new_password: 'Brand-new-secret-77' },
    });
    expect(expired.body.code).toBe('challenge_expired');
    expect((await login(server, user.username, user.password)).status).toBe(200);
  });
});

describe('passwordless email codes', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('an unknown address gets an account on success (201), and the next code logs into it (200)', async () => {
    server = await startServer();
    expect((await call(server, 'POST', '/auth/send-code', { body: { email: 'New.Person@Example.test' } })).status).toBe(
      202,
    );
    const code = codeIn(await waitForMail(server.dataDir, 'new.person@example.test'))!;
    const made = await call(server, 'POST', '/auth/verify-code', { body: { email: 'new.person@example.test', code } });
    expect(made.status).toBe(201);
    const me = (await call(server, 'GET', '/auth/me', { token: made.body.access_token })).body;
    expect(me).toMatchObject({
      email: 'new.person@example.test',
      email_verified: true,
      has_password: false,
      auth_methods: ['email'],
    });

    await call(server, 'POST', '/auth/send-code', { body: { email: 'new.person@example.test' } });
    const second = codeIn(await waitForMail(server.dataDir, 'new.person@example.test', { after: 1 }))!;
    const again = await call(server, 'POST', '/auth/verify-code', {
      body: { email: 'new.person@example.test', code: second },
    });
    expect(again.status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { token: again.body.access_token })).body.id).toBe(me.id);
  });

  it('an existing account logs in with a code and its address becomes verified', async () => {
    server = await startServer();
    const user = await register(server);
    await call(server, 'POST', '/auth/send-code', { body: { email: user.email } });
    const code = codeIn(await waitForMail(server.dataDir, user.email))!;
    const answer = await call(server, 'POST', '/auth/verify-code', { body: { email: user.email, code } });
    expect(answer.status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { token: answer.body.access_token })).body).toMatchObject({
      username: user.username,
      email_verified: true,
    });
  });

  it('five wrong codes burn the code (410 challenge_used, also afterwards) and count toward the account lockout', async () => {
    server = await startServer();
    const user = await register(server);
    await call(server, 'POST', '/auth/send-code', { body: { email: user.email } });
    const first = codeIn(await waitForMail(server.dataDir, user.email))!;
    const wrong = first === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i += 1)
      expect(
        (await call(server, 'POST', '/auth/verify-code', { body: { email: user.email, code: wrong } })).status,
      ).toBe(401);
    const burned = await call(server, 'POST', '/auth/verify-code', { body: { email: user.email, code: wrong } });
    expect(burned.status).toBe(410);
    expect(burned.body.code).toBe('challenge_used');
    expect(
      (await call(server, 'POST', '/auth/verify-code', { body: { email: user.email, code: first } })).body.code,
    ).toBe('challenge_used');
    expect(
      (await call(server, 'POST', '/auth', { body: { username: user.username, password: user.password } })).body.code,
    ).toBe('account_locked');
  });

  it('a new code makes the old one useless', async () => {
    server = await startServer();
    const user = await register(server);
    await call(server, 'POST', '/auth/send-code', { body: { email: user.email } });
    const older = codeIn(await waitForMail(server.dataDir, user.email))!;
    await call(server, 'POST', '/auth/send-code', { body: { email: user.email } });
    const newer = codeIn(await waitForMail(server.dataDir, user.email, { after: 1 }))!;
    if (older !== newer)
      expect(
        (await call(server, 'POST', '/auth/verify-code', { body: { email: user.email, code: older } })).status,
      ).toBe(401);
    expect((await call(server, 'POST', '/auth/verify-code', { body: { email: user.email, code: newer } })).status).toBe(
      200,
    );
  });

  it('with registration closed an unknown address gets 202 and no mail', async () => {
    server = await startServer({ ALLOW_NEW_ACCOUNTS: 'false' });
    await register(server);
    expect((await call(server, 'POST', '/auth/send-code', { body: { email: 'stranger@example.test' } })).status).toBe(
      202,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await mailbox(server.dataDir)).some((m) => m.to === 'stranger@example.test')).toBe(false);
  });

  it('no mail content reaches the log and no code reaches an event', async () => {
    server = await startServer();
    const user = await register(server);
    await call(server, 'POST', '/auth/send-code', { body: { email: user.email } });
    const code = codeIn(await waitForMail(server.dataDir, user.email))!;
    const events = await server.service.eventStore.readAll();
    expect(JSON.stringify(events.map((e) => e.data))).not.toContain(code);
    void newUser;
  });
});
