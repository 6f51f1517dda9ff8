import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, TestClock, type TestServer } from '../support/server.js';

const withKey = (key: string) => ({ headers: { 'x-api-key': key } });

async function aclWithToken(server: TestServer, token: string, patterns: string[], body: Record<string, unknown> = {}) {
  const acl = await call(server, 'POST', '/auth/acls', {
    token,
    body: { name: 'scoped', allowed_endpoints: patterns },
  });
  expect(acl.status).toBe(201);
  const issued = await call(server, 'POST', `/auth/acls/${acl.body.id}/tokens`, { token, body });
  expect(issued.status).toBe(201);
  return { acl: acl.body, issued: issued.body };
}

describe('ACLs and ACL tokens', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('creates, lists, updates and deletes ACLs in the API shape', async () => {
    server = await startServer();
    const user = await register(server);
    const made = await call(server, 'POST', '/auth/acls', {
      token: user.token,
      body: { name: 'wallet', allowed_endpoints: ['GET /api/v1/wallet', 'post /api/v1/payments/*'] },
    });
    expect(made.status).toBe(201);
    expect(made.headers.get('x-event-position')).toMatch(/^\d+$/);
    expect(made.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'wallet',
      allowed_endpoints: ['GET /api/v1/wallet', 'POST /api/v1/payments/*'],
      created_at: expect.any(String),
      token_count: 0,
    });
    expect((await call(server, 'GET', '/auth/acls', { token: user.token })).body).toEqual([made.body]);
    const updated = await call(server, 'PUT', `/auth/acls/${made.body.id}`, {
      token: user.token,
      body: { name: 'pay only', allowed_endpoints: ['POST /api/v1/payments/**'] },
    });
    expect(updated.body).toMatchObject({ name: 'pay only', allowed_endpoints: ['POST /api/v1/payments/**'] });
    expect((await call(server, 'DELETE', `/auth/acls/${made.body.id}`, { token: user.token })).body).toEqual({
      detail: 'ACL deleted',
    });
    expect((await call(server, 'GET', '/auth/acls', { token: user.token })).body).toEqual([]);
    expect((await call(server, 'DELETE', `/auth/acls/${made.body.id}`, { token: user.token })).status).toBe(404);
  });

  it("takes an empty pattern list (it allows nothing), refuses malformed ones naming each bad one, and another account's ACL", async () => {
    server = await startServer();
    const user = await register(server);
    const other = await register(server);
    const empty = await call(server, 'POST', '/auth/acls', {
      token: user.token,
      body: { name: 'x', allowed_endpoints: [] },
    });
    expect(empty.status).toBe(201);
    const issued = await call(server, 'POST', `/auth/acls/${empty.body.id}/tokens`, { token: user.token, body: {} });
    const check = await call(server, 'POST', '/auth/check', {
      token: issued.body.token,
      body: { method: 'GET', path: '/anything' },
    });
    expect(check.body.allowed).toBe(false);
    const bad = await call(server, 'POST', '/auth/acls', {
      token: user.token,
      body: { name: 'x', allowed_endpoints: ['GET /ok', 'FETCH /x', 'GET /a/**/b'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i: { path: string }) => i.path)).toEqual([
      'allowed_endpoints.1',
      'allowed_endpoints.2',
    ]);
    const mine = await call(server, 'POST', '/auth/acls', {
      token: user.token,
      body: { name: 'mine', allowed_endpoints: ['GET /x'] },
    });
    expect(
      (await call(server, 'PUT', `/auth/acls/${mine.body.id}`, { token: other.token, body: { name: 'stolen' } }))
        .status,
    ).toBe(404);
    expect((await call(server, 'GET', `/auth/acls/${mine.body.id}/tokens`, { token: other.token })).status).toBe(404);
    expect(
      (await call(server, 'POST', `/auth/acls/${mine.body.id}/tokens`, { token: other.token, body: {} })).status,
    ).toBe(404);
  });

  it('an ACL token acts as its user on exactly what its ACL allows, and never on the privileged endpoints', async () => {
    server = await startServer();
    const user = await register(server);
    const { acl, issued } = await aclWithToken(server, user.token, [
      'GET /api/v1/auth/me',
      '* /api/v1/auth/acls/**',
      'PUT /api/v1/auth/me',
    ]);
    expect(issued).toEqual({
      id: expect.any(String),
      token: expect.any(String),
      acl_id: acl.id,
      created_at: expect.any(String),
      expires_at: null,
    });
    expect((await call(server, 'GET', '/auth/me', { token: issued.token })).body.username).toBe(user.username);
    const other = await call(server, 'GET', '/auth', { token: issued.token });
    expect(other.status).toBe(403);
    expect(other.body.code).toBe('acl_forbidden');
    // The ACL names them, but ACL management is privileged.
    expect((await call(server, 'GET', '/auth/acls', { token: issued.token })).body.code).toBe('acl_forbidden');
    // Through an ACL token, PUT /auth/me may change display_name only.
    expect(
      (await call(server, 'PUT', '/auth/me', { token: issued.token, body: { display_name: 'Via ACL' } })).body
        .display_name,
    ).toBe('Via ACL');
    expect(
      (
        await call(server, 'PUT', '/auth/me', {
          token: issued.token,
          body: { email: 'x@example.test', password: user.password },
        })
      ).body.code,
    ).toBe('acl_forbidden');
  });

  it('an ACL change applies to tokens already issued; revocation and ACL deletion act on the next request', async () => {
    server = await startServer();
    const user = await register(server);
    const { acl, issued } = await aclWithToken(server, user.token, ['GET /api/v1/auth']);
    expect((await call(server, 'GET', '/auth', { token: issued.token })).status).toBe(200);
    await call(server, 'PUT', `/auth/acls/${acl.id}`, {
      token: user.token,
      body: { allowed_endpoints: ['GET /api/v1/auth/me'] },
    });
    expect((await call(server, 'GET', '/auth', { token: issued.token })).status).toBe(403);
    expect((await call(server, 'GET', '/auth/me', { token: issued.token })).status).toBe(200);

    const list = await call(server, 'GET', `/auth/acls/${acl.id}/tokens`, { token: user.token });
    expect(list.body).toEqual([
      {
        id: issued.id,
        acl_id: acl.id,
        created_at: expect.any(String),
        expires_at: null,
        last_used_at: expect.any(String),
      },
    ]);
    expect(JSON.stringify(list.body)).not.toContain(issued.token);
    expect((await call(server, 'GET', '/auth/acls', { token: user.token })).body[0].token_count).toBe(1);

    expect(
      (await call(server, 'DELETE', `/auth/acls/${acl.id}/tokens/${issued.id}`, { token: user.token })).body,
    ).toEqual({ detail: 'Token revoked' });
    expect((await call(server, 'GET', '/auth/me', { token: issued.token })).body.code).toBe('token_revoked');
    expect(
      (await call(server, 'DELETE', `/auth/acls/${acl.id}/tokens/${issued.id}`, { token: user.token })).status,
    ).toBe(409);
    expect(
      (await call(server, 'DELETE', `/auth/acls/${acl.id}/tokens/${randomUUID()}`, { token: user.token })).status,
    ).toBe(404);

    const second = await call(server, 'POST', `/auth/acls/${acl.id}/tokens`, { token: user.token, body: {} });
    await call(server, 'DELETE', `/auth/acls/${acl.id}`, { token: user.token });
    expect((await call(server, 'GET', '/auth/me', { token: second.body.token })).status).toBe(401);
  });

  it('an expired ACL token and one of a deleted account are refused; a forged ACL id is refused', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    await register(server); // the first account is the superadmin, which cannot be deleted
    const user = await register(server);
    const expiring = await aclWithToken(server, user.token, ['GET /api/v1/auth/me'], {
      expires_at: new Date(clock.now().getTime() + 3_600_000).toISOString(),
    });
    expect(
      (
        await call(server, 'POST', `/auth/acls/${expiring.acl.id}/tokens`, {
          token: user.token,
          body: { expires_at: '2000-01-01T00:00:00Z' },
        })
      ).status,
    ).toBe(400);
    clock.advance(3_600_000 + 1000);
    expect((await call(server, 'GET', '/auth/me', { token: expiring.issued.token })).body.code).toBe('token_expired');

    // An hour on, making credentials needs a fresh proof (the step-up rule): sign in again.
    const fresh = (await call(server, 'POST', '/auth', { body: { username: user.username, password: user.password } }))
      .body.access_token as string;
    const alive = await aclWithToken(server, fresh, ['GET /api/v1/auth/me']);
    const other = await register(server);
    const otherAcl = await aclWithToken(server, other.token, ['GET /api/v1/auth/me']);
    // A token is bound to its ACL: a signature over another ACL's id would be needed to switch it.
    const [h, p, s] = alive.issued.token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, acl: otherAcl.acl.id })).toString('base64url')}.${s}`;
    expect((await call(server, 'GET', '/auth/me', { token: forged })).status).toBe(401);

    await call(server, 'DELETE', '/auth/me', { token: user.token, body: { password: user.password } });
    expect((await call(server, 'GET', '/auth/me', { token: alive.issued.token })).status).toBe(401);
  });
});

describe('API keys', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('are shown once with an ak_ prefix, listed without the secret, accepted as X-API-Key or bearer, and stored as SHA-256 only', async () => {
    server = await startServer();
    const user = await register(server);
    const made = await call(server, 'POST', '/auth/me/tokens', { token: user.token, body: { name: 'ci' } });
    expect(made.status).toBe(201);
    expect(made.body).toEqual({
      id: expect.any(String),
      name: 'ci',
      token: expect.stringMatching(/^ak_[A-Za-z0-9_-]{43}$/),
      prefix: made.body.token.slice(0, 9),
      created_at: expect.any(String),
      expires_at: null,
    });
    expect((await call(server, 'GET', '/auth/me', withKey(made.body.token))).body.username).toBe(user.username);
    expect((await call(server, 'GET', '/auth', { token: made.body.token })).status).toBe(200);
    const list = await call(server, 'GET', '/auth/me/tokens', { token: user.token });
    expect(list.body).toEqual([
      {
        id: made.body.id,
        name: 'ci',
        prefix: made.body.prefix,
        created_at: made.body.created_at,
        expires_at: null,
        last_used_at: expect.any(String),
      },
    ]);
    const events = JSON.stringify((await server.service.eventStore.readAll()).map((e) => e.data));
    expect(events).not.toContain(made.body.token);
    expect(events).not.toContain(made.body.token.slice(3));
  });

  it('act as the user except on the privileged list (403 forbidden)', async () => {
    server = await startServer();
    const user = await register(server);
    const key = (await call(server, 'POST', '/auth/me/tokens', { token: user.token, body: { name: 'ci' } })).body.token;
    for (const [method, path] of [
      ['GET', '/auth/acls'],
      ['POST', '/auth/me/tokens'],
      ['GET', '/auth/sessions'],
      ['DELETE', '/auth/me'],
      ['GET', '/auth/totp'],
    ] as const) {
      const answer = await call(server, method, path, { ...withKey(key), body: method === 'GET' ? undefined : {} });
      expect(answer.status, path).toBe(403);
      expect(answer.body.code).toBe('forbidden');
    }
    expect((await call(server, 'PUT', '/auth/me', { ...withKey(key), body: { display_name: 'Keyed' } })).status).toBe(
      200,
    );
    expect(
      (
        await call(server, 'PUT', '/auth/me', {
          ...withKey(key),
          body: { email: 'x@example.test', password: user.password },
        })
      ).body.code,
    ).toBe('forbidden');
  });

  it('stay valid after a password change (keys are not sessions), die on revocation, expiry and account deletion', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    await register(server); // the first account is the superadmin, which cannot be deleted
    const user = await register(server);
    const key = (await call(server, 'POST', '/auth/me/tokens', { token: user.token, body: { name: 'ci' } })).body;
    await call(server, 'PUT', '/auth/update-password', {
      token: user.token,
      body: { old_password: user.password, new_password: 'Another-sturdy-pass-9' },
    });
    expect((await call(server, 'GET', '/auth/me', withKey(key.token))).status).toBe(200);
    expect((await call(server, 'GET', `/auth/verify-token?token=${key.token}`)).body).toEqual({ valid: true });

    expect((await call(server, 'DELETE', `/auth/me/tokens/${key.id}`, { token: user.token })).body).toEqual({
      detail: 'Token revoked',
    });
    expect((await call(server, 'GET', '/auth/me', withKey(key.token))).status).toBe(401);
    expect((await call(server, 'GET', `/auth/verify-token?token=${key.token}`)).body).toEqual({ valid: false });
    expect((await call(server, 'DELETE', `/auth/me/tokens/${key.id}`, { token: user.token })).status).toBe(409);

    const expiring = (
      await call(server, 'POST', '/auth/me/tokens', {
        token: user.token,
        body: { name: 'short', expires_at: new Date(clock.now().getTime() + 60_000).toISOString() },
      })
    ).body;
    clock.advance(61_000);
    expect((await call(server, 'GET', '/auth/me', withKey(expiring.token))).body.code).toBe('token_expired');

    const last = (await call(server, 'POST', '/auth/me/tokens', { token: user.token, body: { name: 'last' } })).body;
    await call(server, 'DELETE', '/auth/me', { token: user.token, body: { password: 'Another-sturdy-pass-9' } });
    expect((await call(server, 'GET', '/auth/me', withKey(last.token))).status).toBe(401);
    expect((await call(server, 'GET', `/auth/verify-token?token=${last.token}`)).body).toEqual({ valid: false });
    expect((await call(server, 'GET', '/auth/me', withKey('ak_nonsense'))).status).toBe(401);
  });
});

describe('credential use', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('verify-token does not count as a use; last_used_at survives a restart; refused requests do not count', async () => {
    server = await startServer();
    const user = await register(server);
    const key = (await call(server, 'POST', '/auth/me/tokens', { token: user.token, body: { name: 'k' } })).body;
    expect((await call(server, 'GET', `/auth/verify-token?token=${key.token}`)).body).toEqual({ valid: true });
    expect((await call(server, 'GET', '/auth/me/tokens', { token: user.token })).body[0].last_used_at).toBeNull();
    expect((await call(server, 'GET', '/auth/sessions', withKey(key.token))).status).toBe(403);
    expect((await call(server, 'GET', '/auth/me/tokens', { token: user.token })).body[0].last_used_at).toBeNull();
    expect((await call(server, 'GET', '/auth/me', withKey(key.token))).status).toBe(200);
    const used = (await call(server, 'GET', '/auth/me/tokens', { token: user.token })).body[0].last_used_at;
    expect(used).toEqual(expect.any(String));
    const dataDir = server.dataDir;
    await server.close();
    server = await startServer({}, { dataDir });
    expect((await call(server, 'GET', '/auth/me/tokens', { token: user.token })).body[0].last_used_at).toBe(used);
    expect((await call(server, 'GET', `/auth/verify-token?token=${user.token}`)).body).toEqual({ valid: false });
  });
});

describe('POST /auth/check', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('tells another service what the presented credential may call', async () => {
    server = await startServer();
    const user = await register(server);
    const me = (await call(server, 'GET', '/auth/me', { token: user.token })).body;
    // The ACL need not name /auth/check: the endpoint answers for the credential it is called with.
    const { acl, issued } = await aclWithToken(server, user.token, ['GET /api/v1/wallet', 'GET /api/v1/auth/acls']);
    const key = (await call(server, 'POST', '/auth/me/tokens', { token: user.token, body: { name: 'svc' } })).body
      .token;
    const ask = (auth: object, method: string, path: string) =>
      call(server, 'POST', '/auth/check', { ...auth, body: { method, path } });
    expect((await ask({ token: issued.token }, 'GET', '/api/v1/wallet')).body).toEqual({
      allowed: true,
      user_id: me.id,
      acl_id: acl.id,
    });
    expect((await ask({ token: issued.token }, 'DELETE', '/api/v1/wallet')).body.allowed).toBe(false);
    expect((await ask({ token: issued.token }, 'GET', '/api/v1/auth/acls')).body.allowed).toBe(false);
    expect((await ask(withKey(key), 'DELETE', '/api/v1/wallet')).body).toEqual({
      allowed: true,
      user_id: me.id,
      acl_id: null,
    });
    expect((await ask(withKey(key), 'POST', '/api/v1/auth/me/tokens')).body.allowed).toBe(false);
    expect((await ask({ token: user.token }, 'GET', '/anything')).body).toEqual({
      allowed: true,
      user_id: me.id,
      acl_id: null,
    });
    expect((await ask(withKey(key), 'DELETE', '/API/V1/AUTH/ME')).body.allowed).toBe(false);
    // Case hidden in an escape is still case: a gateway that decodes it calls the privileged route.
    expect((await ask(withKey(key), 'GET', '/api/v1/%41uth/usr-key')).body.allowed).toBe(false);
    expect((await ask({ token: issued.token }, 'GET', '/api/v1/wallet\\x#')).body.allowed).toBe(false);
    expect((await ask({}, 'GET', '/x')).status).toBe(401);
  });

  it('fails closed: a path it cannot read one way only, or an unknown method, is refused for every credential', async () => {
    server = await startServer();
    const user = await register(server);
    const { issued } = await aclWithToken(server, user.token, ['* /api/v1/**']);
    const key = (await call(server, 'POST', '/auth/me/tokens', { token: user.token, body: { name: 'svc' } })).body
      .token;
    const ask = (auth: object, method: string, path: string) =>
      call(server, 'POST', '/auth/check', { ...auth, body: { method, path } });
    // A gateway that normalises these would call /api/v1/auth/usr-key, which no API key may.
    const tricks = [
      '/api/v1//auth/usr-key',
      '/api/v1/auth/x/../usr-key',
      '/api/v1/auth/./usr-key',
      '/api/v1/auth/%2e%2e/usr-key',
      '/api/v1/auth/%zz',
      '/api/v1\\auth/usr-key',
    ];
    for (const auth of [withKey(key), { token: issued.token }, { token: user.token }]) {
      for (const path of tricks) expect((await ask(auth, 'GET', path)).body.allowed, path).toBe(false);
      expect((await ask(auth, 'TRACE', '/api/v1/wallet')).body.allowed).toBe(false);
    }
    // The same credentials are allowed where the path is plain.
    expect((await ask(withKey(key), 'GET', '/api/v1/wallet')).body.allowed).toBe(true);
    expect((await ask({ token: issued.token }, 'head', '/api/v1/wallet')).body.allowed).toBe(true);
  });
});

describe('one authorization point for every route', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('walking the whole route table: an ACL token allowing one endpoint is refused everywhere else; an API key on every privileged one', async () => {
    server = await startServer();
    const user = await register(server);
    const { issued } = await aclWithToken(server, user.token, ['GET /api/v1/auth/me']);
    const key = (await call(server, 'POST', '/auth/me/tokens', { token: user.token, body: { name: 'walk' } })).body
      .token;
    const table = server.service.routeTable.filter((r) => r.path.startsWith('/api/v1'));
    expect(table.length).toBeGreaterThan(30);
    for (const route of table.filter((r) => r.policy !== 'public')) {
      const path = route.path.replace(/:[a-z_]+/g, randomUUID());
      const method = route.method.toUpperCase();
      const body = method === 'GET' ? undefined : {};
      const viaAcl = await call(server, method, path, { token: issued.token, body });
      if (method === 'GET' && route.path === '/api/v1/auth/me') expect(viaAcl.status).toBe(200);
      else if (route.policy === 'credential') expect(viaAcl.status, route.path).not.toBe(403);
      else expect([viaAcl.status, viaAcl.body.code], `${method} ${route.path}`).toEqual([403, 'acl_forbidden']);
      if (route.policy === 'session' || route.policy === 'admin') {
        const viaKey = await call(server, method, path, { ...withKey(key), body });
        expect([viaKey.status, viaKey.body.code], `key: ${method} ${route.path}`).toEqual([403, 'forbidden']);
      }
      const anonymous = await call(server, method, path, { body });
      expect(anonymous.status, `anonymous: ${method} ${route.path}`).toBe(401);
    }
  });
});

describe('no route without a policy', () => {
  it('every route is in the one flat table, carries the authorization handler, and express itself routes nothing', async () => {
    const server = await startServer();
    try {
      const { AUTHORIZES } = await import('../../src/http/auth.js');
      const routes = server.service.http.flatRouter.list();
      for (const route of routes) {
        expect(
          route.handlers.some((h) => (h as unknown as Record<symbol, unknown>)[AUTHORIZES] === true),
          `${route.method} ${route.pattern}`,
        ).toBe(true);
      }
      const table = server.service.routeTable.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
      expect(routes.map((r) => `${r.method} ${r.pattern}`).sort()).toEqual(table);
      // No route was added to express's own router, past the table and its policies.
      type Layer = { route?: unknown; handle?: { stack?: Layer[] } };
      const expressRoutes: Layer[] = [];
      const walk = (stack: Layer[]) => {
        for (const layer of stack) {
          if (layer.route) expressRoutes.push(layer);
          else if (layer.handle?.stack) walk(layer.handle.stack);
        }
      };
      walk((server.service.http as unknown as { router: { stack: Layer[] } }).router.stack);
      expect(expressRoutes).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
