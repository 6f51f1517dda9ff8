import { afterEach, describe, expect, it } from 'vitest';
import { call, newUser, register, startServer, type TestServer } from '../support/server.js';

const login = (server: TestServer, username: string, password: string) =>
  call(server, 'POST', '/auth', { body: { username, password } });

describe('the account', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('changes display name and email; a new email is unverified, the old one is free and no longer logs in', async () => {
    server = await startServer();
    const user = await register(server);
    const changed = await call(server, 'PUT', '/auth/me', {
      token: user.token,
      body: { display_name: 'New Name', email: 'New@Example.test', password: user.password },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ display_name: 'New Name', email: 'new@example.test', email_verified: false });
    expect((await login(server, 'new@example.test', user.password)).status).toBe(200);
    expect((await login(server, user.email, user.password)).status).toBe(401);
    expect((await call(server, 'POST', '/auth/register', { body: newUser({ email: user.email }) })).status).toBe(201);
    const cleared = await call(server, 'PUT', '/auth/me', {
      token: user.token,
      body: { display_name: null, email: null, password: user.password },
    });
    expect(cleared.body).toMatchObject({ display_name: null, email: null });
    expect(
      (await call(server, 'POST', '/auth/register', { body: newUser({ email: 'new@example.test' }) })).status,
    ).toBe(201);
  });

  it('moving the email needs the password: missing is 401, wrong is 401 and counts toward the lock', async () => {
    server = await startServer();
    const user = await register(server);
    const missing = await call(server, 'PUT', '/auth/me', {
      token: user.token,
      body: { email: 'elsewhere@example.test' },
    });
    expect(missing.status).toBe(401);
    expect(missing.body.code).toBe('invalid_credentials');
    const wrong = await call(server, 'PUT', '/auth/me', {
      token: user.token,
      body: { email: 'elsewhere@example.test', password: 'Wrong-pass-123' },
    });
    expect(wrong.status).toBe(401);
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).body.email).toBe(user.email);
    const history = (await call(server, 'GET', '/auth/me/history', { token: user.token })).body;
    expect(history[0].type).toBe('LoginFailed');
    // Display name alone needs no password.
    expect((await call(server, 'PUT', '/auth/me', { token: user.token, body: { display_name: 'Free' } })).status).toBe(
      200,
    );
  });

  it('refuses an email another account holds with 409 and changes nothing', async () => {
    server = await startServer();
    const alice = await register(server);
    const bob = await register(server);
    const answer = await call(server, 'PUT', '/auth/me', {
      token: bob.token,
      body: { email: alice.email, display_name: 'Bob', password: bob.password },
    });
    expect(answer.status).toBe(409);
    expect(answer.body.code).toBe('email_taken');
    expect((await call(server, 'GET', '/auth/me', { token: bob.token })).body).toMatchObject({
      email: bob.email,
      display_name: null,
    });
  });

  it('an unchanged profile is a command that appends nothing and still answers the user', async () => {
    server = await startServer();
    const user = await register(server);
    const head = await server.service.eventStore.headPosition();
    const same = await call(server, 'PUT', '/auth/me', { token: user.token, body: {} });
    expect(same.status).toBe(200);
    expect(same.headers.get('x-event-position')).toBe(String(head));
    expect(await server.service.eventStore.headPosition()).toBe(head);
  });

  it('changes the username with the password; the old name is free, a taken one is 409, a wrong password 401', async () => {
    server = await startServer();
    const user = await register(server);
    const other = await register(server);
    expect(
      (
        await call(server, 'PUT', '/auth/me/username', {
          token: user.token,
          body: { new_username: other.username, password: user.password },
        })
      ).body.code,
    ).toBe('username_taken');
    const wrong = await call(server, 'PUT', '/auth/me/username', {
      token: user.token,
      body: { new_username: 'brand_new', password: 'Not-the-password-1' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('invalid_credentials');
    // The refused attempt did not keep the name.
    const renamed = await call(server, 'PUT', '/auth/me/username', {
      token: user.token,
      body: { new_username: 'brand_new', password: user.password },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.username).toBe('brand_new');
    expect((await login(server, 'brand_new', user.password)).status).toBe(200);
    expect((await login(server, user.username, user.password)).status).toBe(401);
    expect((await call(server, 'POST', '/auth/register', { body: newUser({ username: user.username }) })).status).toBe(
      201,
    );
  });

  it('a password change revokes every other session, keeps this one, and the old password stops working', async () => {
    server = await startServer();
    const user = await register(server);
    const laptop = await login(server, user.username, user.password);
    const next = 'Another-sturdy-pass-9';
    const changed = await call(server, 'PUT', '/auth/update-password', {
      token: user.token,
      body: { old_password: user.password, new_password: next },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ detail: 'Password updated' });
    expect((await call(server, 'GET', '/auth', { token: laptop.body.access_token })).body.code).toBe('token_revoked');
    expect((await call(server, 'GET', '/auth', { token: user.token })).status).toBe(200);
    expect((await login(server, user.username, user.password)).status).toBe(401);
    expect((await login(server, user.username, next)).status).toBe(200);
  });

  it('a password change needs the right old password and a strong new one', async () => {
    server = await startServer();
    const user = await register(server);
    const wrong = await call(server, 'PUT', '/auth/update-password', {
      token: user.token,
      body: { old_password: 'Wrong-old-pass-1', new_password: 'Another-sturdy-pass-9' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('invalid_credentials');
    const weak = await call(server, 'PUT', '/auth/update-password', {
      token: user.token,
      body: { old_password: user.password, new_password: 'qwertyuiop' },
    });
    expect(weak.status).toBe(400);
    expect((await login(server, user.username, user.password)).status).toBe(200);
  });

  it('set-initial-password is refused with 409 when the account has a password', async () => {
    server = await startServer();
    const user = await register(server);
    const answer = await call(server, 'POST', '/auth/me/set-initial-password', {
      token: user.token,
      body: { password: 'Another-sturdy-pass-9' },
    });
    expect(answer.status).toBe(409);
    expect(answer.body.code).toBe('conflict');
    expect((await login(server, user.username, user.password)).status).toBe(200);
  });

  it('lists its own history newest first, with limit and before for paging', async () => {
    server = await startServer();
    const user = await register(server);
    await call(server, 'PUT', '/auth/me', { token: user.token, body: { display_name: 'One' } });
    await call(server, 'PUT', '/auth/me', { token: user.token, body: { display_name: 'Two' } });
    const all = await call(server, 'GET', '/auth/me/history', { token: user.token });
    expect(all.body.map((e: { type: string }) => e.type)).toEqual([
      'DisplayNameChanged',
      'DisplayNameChanged',
      'SessionStarted',
      'UsrKeyIssued',
      'UserRegistered',
    ]);
    expect(all.body[0]).toEqual({
      type: 'DisplayNameChanged',
      at: expect.any(String),
      position: expect.stringMatching(/^\d+$/),
      summary: 'Display name changed',
      // Where the change came from, read from the event's sealed metadata.
      ip: '127.0.0.1',
      user_agent: expect.any(String),
    });
    expect(JSON.stringify(all.body)).not.toContain('One');
    const page = await call(server, 'GET', `/auth/me/history?limit=2&before=${all.body[1].position}`, {
      token: user.token,
    });
    expect(page.body.map((e: { type: string }) => e.type)).toEqual(['SessionStarted', 'UsrKeyIssued']);
    expect((await call(server, 'GET', '/auth/me/history?limit=0', { token: user.token })).status).toBe(400);
    expect((await call(server, 'GET', '/auth/me/history?before=abc', { token: user.token })).status).toBe(400);
  });
});
