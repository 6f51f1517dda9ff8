import { afterEach, describe, expect, it } from 'vitest';
import { call, newUser, register, startServer, type TestServer } from '../support/server.js';

describe('registration and set-up', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('the first account is admin, the next is not, and setup-status says so', async () => {
    server = await startServer();
    expect((await call(server, 'GET', '/auth/setup-status')).body).toEqual({
      setup_done: false,
      registration_open: true,
      registration: 'open',
      login_methods: ['password', 'email_code', 'nostr', 'lnurl', 'passkey', 'usr'],
      captcha: null,
    });
    const first = await register(server);
    expect(first.answer.body).toMatchObject({ token_type: 'bearer' });
    expect(new Date(first.answer.body.expires_at).getTime()).toBeGreaterThan(Date.now());
    const second = await register(server);
    expect((await call(server, 'GET', '/auth', { token: first.token })).body.is_admin).toBe(true);
    expect((await call(server, 'GET', '/auth', { token: second.token })).body.is_admin).toBe(false);
    expect((await call(server, 'GET', '/auth/setup-status')).body.setup_done).toBe(true);
  });

  it('answers with the user object shape of the API on both me paths', async () => {
    server = await startServer();
    const user = await register(server, { display_name: 'Grace Hopper' });
    for (const path of ['/auth', '/auth/me']) {
      const me = await call(server, 'GET', path, { token: user.token });
      expect(me.status).toBe(200);
      expect(me.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        username: user.username,
        email: user.email,
        email_verified: false,
        display_name: 'Grace Hopper',
        is_admin: true,
        role: 'superadmin',
        first_name: null,
        last_name: null,
        must_reset_password: false,
        totp_enabled: false,
        has_password: true,
        auth_methods: ['password'],
        nostr_pubkeys: [],
        identities: [],
        passkeys: [],
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        updated_at: expect.any(String),
      });
    }
  });

  it('a taken username (in any case) or email gets 409 and writes nothing', async () => {
    server = await startServer();
    const taken = await register(server, { username: 'Lovelace', email: 'ada@example.test' });
    const head = await server.service.eventStore.headPosition();
    const byName = await call(server, 'POST', '/auth/register', { body: newUser({ username: 'lovelace' }) });
    expect(byName.status).toBe(409);
    expect(byName.body).toEqual({ detail: expect.any(String), code: 'username_taken' });
    const byEmail = await call(server, 'POST', '/auth/register', { body: newUser({ email: 'ADA@example.test' }) });
    expect(byEmail.status).toBe(409);
    expect(byEmail.body.code).toBe('email_taken');
    // The refused registrations leave only released claims behind: no account, no lookup.
    const users = await server.service.projections.collection('me', 'users').countDocuments();
    expect(users).toBe(1);
    expect(await server.service.eventStore.headPosition()).toBeGreaterThan(head);
    const again = await call(server, 'POST', '/auth', { body: { username: taken.username, password: taken.password } });
    expect(again.status).toBe(200);
  });

  it('an email left free by a refused registration can be registered at once', async () => {
    server = await startServer();
    await register(server, { username: 'taken_name' });
    const refused = await call(server, 'POST', '/auth/register', {
      body: newUser({ username: 'taken_name', email: 'free@example.test' }),
    });
    expect(refused.status).toBe(409);
    const ok = await call(server, 'POST', '/auth/register', { body: newUser({ email: 'free@example.test' }) });
    expect(ok.status).toBe(201);
  });

  it('fifty racing registrations of one username have exactly one winner; the rest get 409', async () => {
    server = await startServer();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        call(server, 'POST', '/auth/register', { body: newUser({ username: 'contested' }) }),
      ),
    );
    expect(answers.filter((a) => a.status === 201).length).toBe(1);
    expect(answers.filter((a) => a.status === 409 && a.body.code === 'username_taken').length).toBe(49);
    expect(await server.service.projections.collection('me', 'users').countDocuments()).toBe(1);
  });

  it('refuses bad usernames, short, long and weak passwords with 400 and issues', async () => {
    server = await startServer();
    const cases: [Record<string, unknown>, string, string?][] = [
      [{ username: 'ab' }, 'username'],
      [{ username: 'x'.repeat(33) }, 'username'],
      [{ username: 'has space' }, 'username'],
      [{ username: 'emoji😀' }, 'username'],
      [{ password: 'short1' }, 'password'],
      [{ password: 'p'.repeat(129) }, 'password'],
      [{ password: 'password123' }, 'password', 'password_too_weak'],
      [{ password: '12345678' }, 'password', 'password_too_weak'],
      [{ password: 'aaaaaaaaaaaa' }, 'password', 'password_too_weak'],
      [{ username: 'margaret', password: 'margaret-2026' }, 'password', 'password_too_weak'],
      [{ email: 'not-an-email' }, 'email'],
      [{ display_name: 'bad\u0000name' }, 'display_name'],
      [{ display_name: 'x'.repeat(101) }, 'display_name'],
    ];
    for (const [override, path, code = 'validation_failed'] of cases) {
      const answer = await call(server, 'POST', '/auth/register', { body: newUser(override) });
      expect(answer.status, JSON.stringify(override)).toBe(400);
      expect(answer.body.code, JSON.stringify(override)).toBe(code);
      expect(answer.body.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    expect((await call(server, 'GET', '/auth/setup-status')).body.setup_done).toBe(false);
  });

  it('closed registration refuses with 403 registration_closed, except for the very first account', async () => {
    server = await startServer({ ALLOW_NEW_ACCOUNTS: 'false' });
    expect((await call(server, 'GET', '/auth/setup-status')).body.registration_open).toBe(true);
    const admin = await register(server);
    expect((await call(server, 'GET', '/auth', { token: admin.token })).body.is_admin).toBe(true);
    const refused = await call(server, 'POST', '/auth/register', { body: newUser() });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('registration_closed');
    expect((await call(server, 'GET', '/auth/setup-status')).body).toMatchObject({
      setup_done: true,
      registration_open: false,
    });
  });

  it('every command answer carries X-Event-Position and a read right after sees it', async () => {
    server = await startServer();
    const user = await register(server);
    const registered = BigInt(user.answer.headers.get('x-event-position')!);
    expect(registered).toBeGreaterThan(0n);
    const renamed = await call(server, 'PUT', '/auth/me', { token: user.token, body: { display_name: 'Right After' } });
    expect(BigInt(renamed.headers.get('x-event-position')!)).toBeGreaterThan(registered);
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).body.display_name).toBe('Right After');
  });
});
