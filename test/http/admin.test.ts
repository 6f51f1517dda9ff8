import { generate } from 'otplib';
import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, TestClock, type TestServer } from '../support/server.js';

const idOf = async (server: TestServer, token: string) =>
  (await call(server, 'GET', '/auth/me', { token })).body.id as string;

describe('admin: users', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('lists every account once through cursor pages, searches by part of a name or address, and is for admins only', async () => {
    server = await startServer();
    const admin = await register(server);
    const users = [];
    for (let i = 0; i < 5; i += 1) users.push(await register(server, { display_name: `Person ${i}` }));
    expect((await call(server, 'GET', '/admin/users', { token: users[0]!.token })).body.code).toBe('admin_only');
    expect((await call(server, 'GET', '/admin/users')).status).toBe(401);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: {
        status: number;
        body: { users: Array<{ id: string; disabled: boolean }>; next_cursor: string | null };
      } = await call(server, 'GET', `/admin/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: admin.token });
      expect(page.status).toBe(200);
      expect(page.body.users.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.users.map((u) => u.id));
      expect(page.body.users.every((u) => u.disabled === false)).toBe(true);
      cursor = page.body.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(6);

    const byName = await call(server, 'GET', `/admin/users?q=${users[3]!.username.slice(5).toUpperCase()}`, {
      token: admin.token,
    });
    expect(byName.body.users.map((u: { username: string }) => u.username)).toEqual([users[3]!.username]);
    const byMail = await call(server, 'GET', `/admin/users?q=${encodeURIComponent(users[1]!.email.split('@')[0]!)}`, {
      token: admin.token,
    });
    expect(byMail.body.users.map((u: { email: string }) => u.email)).toEqual([users[1]!.email]);
    // The search is literal text, never a pattern.
    expect(
      (await call(server, 'GET', `/admin/users?q=${encodeURIComponent('.*')}`, { token: admin.token })).body.users,
    ).toEqual([]);
    expect((await call(server, 'GET', '/admin/users?cursor=%24%24', { token: admin.token })).status).toBe(400);
    expect((await call(server, 'GET', '/admin/users?limit=1000', { token: admin.token })).status).toBe(400);
  });

  it('shows one account with disabled and locked_until; unknown ids are 404', async () => {
    server = await startServer();
    const admin = await register(server);
    const user = await register(server);
    const id = await idOf(server, user.token);
    const fresh = await call(server, 'GET', `/admin/users/${id}`, { token: admin.token });
    expect(fresh.body).toMatchObject({
      id,
      username: user.username,
      disabled: false,
      locked_until: null,
      is_admin: false,
    });
    for (let i = 0; i < 5; i += 1)
      await call(server, 'POST', '/auth', { body: { username: user.username, password: 'Wrong-password-1' } });
    const locked = await call(server, 'GET', `/admin/users/${id}`, { token: admin.token });
    expect(locked.body.locked_until).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(
      (await call(server, 'GET', '/admin/users/00000000-0000-4000-8000-000000000000', { token: admin.token })).status,
    ).toBe(404);
    expect((await call(server, 'GET', '/admin/users/not-a-uuid', { token: admin.token })).status).toBe(400);
  });

  it('grants and revokes admin at once; the superadmin can be neither demoted nor disabled; two admins demoting each other leave one', async () => {
    server = await startServer();
    const first = await register(server);
    const second = await register(server);
    const firstId = await idOf(server, first.token);
    const secondId = await idOf(server, second.token);
    expect((await call(server, 'POST', `/admin/users/${firstId}/revoke-admin`, { token: first.token })).status).toBe(
      409,
    );
    expect((await call(server, 'POST', `/admin/users/${firstId}/disable`, { token: first.token })).status).toBe(409);

    const granted = await call(server, 'POST', `/admin/users/${secondId}/grant-admin`, { token: first.token });
    expect(granted.status).toBe(200);
    expect(granted.body.is_admin).toBe(true);
    expect(granted.headers.get('x-event-position')).toMatch(/^\d+$/);
    expect((await call(server, 'GET', '/admin/users', { token: second.token })).status).toBe(200);

    const [a, b] = await Promise.all([
      call(server, 'POST', `/admin/users/${secondId}/revoke-admin`, { token: first.token }),
      call(server, 'POST', `/admin/users/${firstId}/revoke-admin`, { token: second.token }),
    ]);
    // One wins (the superadmin demoting the admin); the other is refused: an admin changes no roles (403), nor is the superadmin demoted (409).
    expect([a.status, b.status].filter((s) => s === 200)).toHaveLength(1);
    expect([a.status, b.status].find((s) => s !== 200)).toBeOneOf([403, 409]);
    const admins = (
      await call(server, 'GET', '/admin/users', { token: a.status === 200 ? first.token : second.token })
    ).body.users.filter((u: { is_admin: boolean }) => u.is_admin);
    expect(admins).toHaveLength(1);
    const demoted = a.status === 200 ? second : first;
    expect((await call(server, 'GET', '/admin/users', { token: demoted.token })).body.code).toBe('admin_only');
  });
});

describe('admin: an account history as of an instant', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('folds the stream up to as_of: the state as it stood, who did what from where; secrets withheld', async () => {
    const clock = new TestClock(new Date('2026-03-01T09:00:00.000Z'));
    server = await startServer({}, { clock });
    const admin = await register(server);
    const user = await register(server, { display_name: 'Before' });
    const id = await idOf(server, user.token);
    clock.advance(60_000);
    const between = clock.now().toISOString();
    clock.advance(60_000);
    await call(server, 'PUT', '/auth/me', {
      token: user.token,
      body: { display_name: 'After' },
      headers: { 'x-request-id': 'req-change-1', 'user-agent': 'audit-test/1.0' },
    });
    const setup = await call(server, 'GET', '/auth/totp', { token: user.token });
    await call(server, 'POST', '/auth/totp', {
      token: user.token,
      body: { code: await generate({ secret: setup.body.secret, epoch: Math.floor(clock.now().getTime() / 1000) }) },
    });

    const then = await call(server, 'GET', `/admin/users/${id}/history?as_of=${between}`, { token: admin.token });
    expect(then.status).toBe(200);
    expect(then.body.as_of).toBe(between);
    expect(then.body.state).toMatchObject({
      id,
      username: user.username,
      display_name: 'Before',
      totp_enabled: false,
      disabled: false,
    });
    expect(then.body.events.map((e: { type: string }) => e.type)).toEqual([
      'UserRegistered',
      'UsrKeyIssued',
      'SessionStarted',
    ]);
    expect(then.body.events[0].metadata).toMatchObject({
      actor: id,
      ip: expect.any(String),
      correlation_id: expect.any(String),
      causation_id: expect.any(String),
    });

    const now = await call(server, 'GET', `/admin/users/${id}/history`, { token: admin.token });
    expect(now.body.state).toMatchObject({ display_name: 'After', totp_enabled: true });
    const change = now.body.events.find((e: { type: string }) => e.type === 'DisplayNameChanged');
    expect(change).toMatchObject({
      data: { displayName: 'After' },
      metadata: { actor: id, ip: '127.0.0.1', user_agent: 'audit-test/1.0', correlation_id: 'req-change-1' },
    });
    const totp = now.body.events.find((e: { type: string }) => e.type === 'TotpEnabled');
    expect(totp.data).toEqual({ secret: '[secret]', backupCodeHashes: '[secret]' });
    expect(JSON.stringify(now.body)).not.toContain(setup.body.secret);
    expect(now.body.events.find((e: { type: string }) => e.type === 'UsrKeyIssued').data.usrKey).toBe('[secret]');

    const before = await call(server, 'GET', `/admin/users/${id}/history?as_of=2026-01-01T00:00:00Z`, {
      token: admin.token,
    });
    expect(before.body).toMatchObject({ events: [], state: null });
    expect(
      (await call(server, 'GET', `/admin/users/${id}/history?as_of=yesterday`, { token: admin.token })).status,
    ).toBe(400);
    expect((await call(server, 'GET', `/admin/users/${id}/history`, { token: user.token })).body.code).toBe(
      'admin_only',
    );
  });

  it('after deletion, the trail stays and personal fields read as erased', async () => {
    server = await startServer();
    const admin = await register(server);
    const user = await register(server, { display_name: 'Gone Soon' });
    const id = await idOf(server, user.token);
    expect(
      (await call(server, 'DELETE', '/auth/me', { token: user.token, body: { password: user.password } })).status,
    ).toBe(200);
    const trail = await call(server, 'GET', `/admin/users/${id}/history`, { token: admin.token });
    expect(trail.body.state).toBeNull();
    const registered = trail.body.events.find((e: { type: string }) => e.type === 'UserRegistered');
    expect(registered.data).toMatchObject({
      username: '[erased]',
      email: '[erased]',
      displayName: '[erased]',
      passwordHash: '[secret]',
    });
    expect(registered.metadata).toMatchObject({ ip: '[erased]', user_agent: '[erased]', actor: id });
    expect(trail.body.events.at(-1).type).toBe('UserDeleted');
    expect(JSON.stringify(trail.body)).not.toContain(user.username);
    expect(JSON.stringify(trail.body)).not.toContain(user.email);
  });
});

describe('admin: projections', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('lists each read model with position, head and lag; unknown names are 404', async () => {
    server = await startServer();
    const admin = await register(server);
    const list = await call(server, 'GET', '/admin/projections', { token: admin.token });
    expect(list.status).toBe(200);
    const names = list.body.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['me', 'lookups', 'sessions', 'challenges', 'credentials']));
    for (const p of list.body) {
      expect(p).toEqual({
        name: p.name,
        version: expect.any(Number),
        generation: expect.any(Number),
        position: expect.stringMatching(/^\d+$/),
        head_position: expect.stringMatching(/^\d+$/),
        lag: expect.stringMatching(/^\d+$/),
        status: 'live',
      });
    }
    expect((await call(server, 'GET', '/admin/projections/nope', { token: admin.token })).status).toBe(404);
    expect((await call(server, 'POST', '/admin/projections/nope/rebuild', { token: admin.token })).status).toBe(404);
  });

  it('rebuilds me while requests keep reading: no request ever sees a missing or partial user', async () => {
    server = await startServer();
    const admin = await register(server);
    const users: Array<Awaited<ReturnType<typeof register>> & { displayName: string }> = [];
    for (let i = 0; i < 40; i += 1)
      users.push({ ...(await register(server, { display_name: `Reader ${i}` })), displayName: `Reader ${i}` });
    const before = (await call(server, 'GET', '/admin/projections/me', { token: admin.token })).body;

    let reading = true;
    const problems: string[] = [];
    let reads = 0;
    const reader = async (offset: number) => {
      for (let i = offset; reading; i += 1) {
        const user = users[i % users.length]!;
        const me = await call(server, 'GET', '/auth/me', { token: user.token });
        reads += 1;
        if (
          me.status !== 200 ||
          me.body.username !== user.username ||
          me.body.display_name !== user.displayName ||
          me.body.email !== user.email
        ) {
          problems.push(`${me.status} ${JSON.stringify(me.body)}`);
        }
      }
    };
    const readers = [0, 13, 27].map(reader);

    const started = await call(server, 'POST', '/admin/projections/me/rebuild', { token: admin.token });
    expect(started.status).toBe(202);
    expect(started.body).toEqual({ name: 'me', version: expect.any(Number), status: 'rebuilding' });
    let progress = started.body;
    for (let i = 0; i < 400; i += 1) {
      progress = (await call(server, 'GET', '/admin/projections/me', { token: admin.token })).body;
      if (progress.status === 'live' && progress.generation > before.generation) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    reading = false;
    await Promise.all(readers);
    expect(progress).toMatchObject({ status: 'live', generation: before.generation + 1 });
    expect(progress).toEqual(
      expect.objectContaining({
        processed: expect.any(Number),
        total: expect.any(Number),
        events_per_sec: expect.any(Number),
        eta_s: 0,
      }),
    );
    expect(reads).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
