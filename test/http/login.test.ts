import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, type TestServer } from '../support/server.js';

describe('password login, logout and sessions', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('logs in by username (any case) or email, and each login is a new session', async () => {
    server = await startServer();
    const user = await register(server);
    const byName = await call(server, 'POST', '/auth', {
      body: { username: user.username.toUpperCase(), password: user.password },
    });
    expect(byName.status).toBe(200);
    expect(byName.body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_at: expect.any(String),
    });
    expect(byName.headers.get('x-event-position')).toMatch(/^\d+$/);
    const byEmail = await call(server, 'POST', '/auth', { body: { username: user.email, password: user.password } });
    expect(byEmail.status).toBe(200);
    const sessions = await call(server, 'GET', '/auth/sessions', { token: byEmail.body.access_token });
    expect(sessions.body).toHaveLength(3);
    expect(sessions.body.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect(sessions.body[0]).toEqual({
      id: expect.any(String),
      method: expect.any(String),
      device: expect.any(String),
      network: '127.0.0.0/24',
      created_at: expect.any(String),
      last_used_at: expect.any(String),
      last_seen_at: expect.any(String),
      ip: expect.stringContaining('127.0.0.1'),
      user_agent: expect.any(String),
      current: expect.any(Boolean),
    });
  });

  it('an unknown user and a wrong password get the same 401 and both spend one bcrypt comparison', async () => {
    server = await startServer();
    const user = await register(server);
    const before = server.service.hasher.operations;
    const unknown = await call(server, 'POST', '/auth', { body: { username: 'nobody_here', password: user.password } });
    const afterUnknown = server.service.hasher.operations;
    const wrong = await call(server, 'POST', '/auth', {
      body: { username: user.username, password: 'Wrong-password-1' },
    });
    const afterWrong = server.service.hasher.operations;
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body).toEqual({ detail: 'Invalid username or password', code: 'invalid_credentials' });
    expect(afterUnknown - before).toBe(1);
    expect(afterWrong - afterUnknown).toBe(1);
  });

  it('a token works only with the Bearer scheme and is refused when tampered with or missing', async () => {
    server = await startServer();
    const user = await register(server);
    expect((await call(server, 'GET', '/auth')).body.code).toBe('unauthenticated');
    expect((await call(server, 'GET', '/auth', { headers: { authorization: `Basic ${user.token}` } })).status).toBe(
      401,
    );
    const [h, p, s] = user.token.split('.');
    const tampered = `${h}.${p}.${s!.slice(0, -4)}AAAA`;
    const answer = await call(server, 'GET', '/auth', { token: tampered });
    expect(answer.status).toBe(401);
    expect(answer.body.code).toBe('unauthenticated');
  });

  it('an expired token gets 401 token_expired', async () => {
    server = await startServer({ JWT_TTL: '1h' });
    const user = await register(server);
    server.clock.advance(60 * 60 * 1000 + 1000);
    const answer = await call(server, 'GET', '/auth', { token: user.token });
    expect(answer.status).toBe(401);
    expect(answer.body.code).toBe('token_expired');
  });

  it('logout ends that session at once and leaves the others working', async () => {
    server = await startServer();
    const user = await register(server);
    const other = await call(server, 'POST', '/auth', { body: { username: user.username, password: user.password } });
    const out = await call(server, 'POST', '/auth/logout', { token: user.token });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ detail: 'Logged out' });
    expect(out.headers.get('x-event-position')).toMatch(/^\d+$/);
    const dead = await call(server, 'GET', '/auth', { token: user.token });
    expect(dead.status).toBe(401);
    expect(dead.body.code).toBe('token_revoked');
    expect((await call(server, 'GET', '/auth', { token: other.body.access_token })).status).toBe(200);
    expect((await call(server, 'POST', '/auth/logout', { token: user.token })).status).toBe(401);
  });

  it('revoking a session by id kills its token; an unknown session id is 404', async () => {
    server = await startServer();
    const user = await register(server);
    const phone = await call(server, 'POST', '/auth', { body: { username: user.username, password: user.password } });
    const list = await call(server, 'GET', '/auth/sessions', { token: user.token });
    const phoneSession = list.body.find((s: { current: boolean }) => !s.current);
    const revoked = await call(server, 'DELETE', `/auth/sessions/${phoneSession.id}`, { token: user.token });
    expect(revoked.status).toBe(200);
    expect((await call(server, 'GET', '/auth', { token: phone.body.access_token })).body.code).toBe('token_revoked');
    expect((await call(server, 'DELETE', `/auth/sessions/${phoneSession.id}`, { token: user.token })).status).toBe(404);
    expect((await call(server, 'DELETE', '/auth/sessions/not-a-uuid', { token: user.token })).status).toBe(400);
  });

  it("one user cannot revoke another user's session", async () => {
    server = await startServer();
    const alice = await register(server);
    const bob = await register(server);
    const bobSession = (await call(server, 'GET', '/auth/sessions', { token: bob.token })).body[0].id;
    expect((await call(server, 'DELETE', `/auth/sessions/${bobSession}`, { token: alice.token })).status).toBe(404);
    expect((await call(server, 'GET', '/auth', { token: bob.token })).status).toBe(200);
  });

  it('publishes the signing key at /.well-known/jwks.json', async () => {
    server = await startServer();
    const jwks = await call(server, 'GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys[0]).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
      alg: 'EdDSA',
      use: 'sig',
      kid: expect.any(String),
    });
    expect(jwks.body.keys[0].d).toBeUndefined();
  });
});
