import { afterEach, describe, expect, it } from 'vitest';
import { codeIn, otpSessionIn, waitForMail } from '../support/mail.js';
import { call, register, startServer, type TestServer } from '../support/server.js';

describe("PUT /auth/me answers the mailed code's otp_session when it changes the email", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('names the otp_session only when a code was mailed, and that code with it confirms the new address', async () => {
    server = await startServer();
    const user = await register(server);

    // Only the names: no code mailed, no otp_session.
    const renamed = await call(server, 'PUT', '/auth/me', { token: user.token, body: { display_name: 'Ann' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.display_name).toBe('Ann');
    expect(renamed.body).not.toHaveProperty('otp_session');

    const address = `moved-${user.email}`;
    const moved = await call(server, 'PUT', '/auth/me', {
      token: user.token,
      body: { email: address, password: user.password },
    });
    expect(moved.status).toBe(200);
    // The user object as before, with the one field more.
    expect(moved.body).toMatchObject({ email: address, email_verified: false, display_name: 'Ann' });
    const mail = await waitForMail(server.dataDir, address);
    expect(moved.body.otp_session).toBe(otpSessionIn(mail));

    const verified = await call(server, 'POST', '/auth/verify-otp', {
      body: { otp: codeIn(mail), otp_session: moved.body.otp_session },
    });
    expect(verified.status).toBe(200);
    const me = await call(server, 'GET', '/auth/me', { token: user.token });
    expect(me.body).toMatchObject({ email: address, email_verified: true });
    expect(me.body).not.toHaveProperty('otp_session');
  });
});
