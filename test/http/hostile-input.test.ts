import { request as httpRequest } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, register, startServer, type TestServer } from '../support/server.js';

const expectErrorShape = (body: any, code: string) => {
  expect(body).toMatchObject({ detail: expect.any(String), code });
  expect(Object.keys(body).every((k) => ['detail', 'code', 'issues'].includes(k))).toBe(true);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/);
};

/** Sends raw bytes, for bodies fetch would not let through as they are. */
const rawPost = (server: TestServer, path: string, body: Buffer, headers: Record<string, string>) =>
  new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = httpRequest(
      `${server.api}${path}`,
      { method: 'POST', headers: { 'content-length': String(body.length), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });

describe('bad input gets a clear 4xx in the documented shape and changes nothing', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startServer();
    token = (await register(server)).token;
  });
  afterAll(() => server.close());
  const accountCount = () => server.service.projections.collection('me', 'users').countDocuments();

  const writeRoutes: [string, string, boolean][] = [
    ['POST', '/auth/register', false],
    ['POST', '/auth', false],
    ['PUT', '/auth/me', true],
    ['PUT', '/auth/me/username', true],
    ['PUT', '/auth/update-password', true],
    ['POST', '/auth/me/set-initial-password', true],
    ['DELETE', '/auth/me', true],
  ];

  it('malformed JSON is 400 validation_failed on every route', async () => {
    for (const [method, path, auth] of writeRoutes) {
      const answer = await call(server, method, path, {
        raw: '{"username": ',
        headers: { 'content-type': 'application/json' },
        token: auth ? token : undefined,
      });
      expect(answer.status, `${method} ${path}`).toBe(400);
      expectErrorShape(answer.body, 'validation_failed');
    }
  });

  it('a body that is not JSON is 415 unsupported_media_type', async () => {
    for (const [method, path, auth] of writeRoutes) {
      const answer = await call(server, method, path, {
        raw: 'username=a&password=b',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        token: auth ? token : undefined,
      });
      expect(answer.status, `${method} ${path}`).toBe(415);
      expectErrorShape(answer.body, 'unsupported_media_type');
    }
    const noType = await call(server, 'POST', '/auth', {
      raw: '{"username":"a","password":"b"}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(noType.status).toBe(415);
  });

  it('a compressed body, valid or corrupt, is 415 and changes nothing (never a 500)', async () => {
    const before = await accountCount();
    const json = Buffer.from(JSON.stringify(newUser()));
    const bodies: [string, Buffer][] = [
      ['gzip', gzipSync(json)],
      ['br', brotliCompressSync(json)],
      ['deflate', deflateSync(json)],
      ['gzip', Buffer.from('definitely not gzip')],
      ['br', Buffer.from([0xff, 0xfe, 0x00, 0x01])],
      ['gzip, identity', gzipSync(json)],
    ];
    for (const [encoding, body] of bodies) {
      const answer = await rawPost(server, '/auth/register', body, {
        'content-type': 'application/json',
        'content-encoding': encoding,
      });
      expect(answer.status, encoding).toBe(415);
      expectErrorShape(answer.body, 'unsupported_media_type');
    }
    // The route that also reads forms refuses them too.
    const form = await rawPost(server, '/auth/verify-otp', gzipSync('--x--'), {
      'content-type': 'multipart/form-data; boundary=x',
      'content-encoding': 'gzip',
    });
    expect(form.status).toBe(415);
    expect(await accountCount()).toBe(before);
    // `identity` is no encoding at all: the body is read (and this one refused for its content).
    const plain = await rawPost(server, '/auth/register', Buffer.from(JSON.stringify(newUser({ username: '!' }))), {
      'content-type': 'application/json',
      'content-encoding': 'identity',
    });
    expect(plain.status).toBe(400);
  });

  it('a body over 64 KiB is 413 payload_too_large', async () => {
    const big = { ...newUser(), display_name: 'x'.repeat(70 * 1024) };
    const answer = await call(server, 'POST', '/auth/register', { body: big });
    expect(answer.status).toBe(413);
    expectErrorShape(answer.body, 'payload_too_large');
  });

  it('unknown fields, __proto__ and constructor keys are refused with 400 naming them, on every route', async () => {
    for (const [method, path, auth] of writeRoutes) {
      for (const raw of [
        '{"surprise": 1}',
        '{"__proto__": {"is_admin": true}}',
        '{"constructor": {"prototype": {"x": 1}}}',
      ]) {
        const answer = await call(server, method, path, {
          raw,
          headers: { 'content-type': 'application/json' },
          token: auth ? token : undefined,
        });
        expect(answer.status, `${method} ${path} ${raw}`).toBe(400);
        expectErrorShape(answer.body, 'validation_failed');
        expect(answer.body.detail).toMatch(/surprise|__proto__|constructor|Required|expected/);
      }
    }
    const polluted = await call(server, 'POST', '/auth/register', {
      raw: JSON.stringify(newUser()).replace('{', '{"__proto__":{"is_admin":true},'),
      headers: { 'content-type': 'application/json' },
    });
    expect(polluted.status).toBe(400);
    expect(({} as Record<string, unknown>).is_admin).toBeUndefined();
    expect(await accountCount()).toBe(1);
  });

  it('wrong types, arrays, NoSQL operators and NUL bytes in strings are 400', async () => {
    const bodies = [
      [],
      'just a string',
      { ...newUser(), username: { $gt: '' } },
      { ...newUser(), password: ['a', 'b'] },
      { ...newUser(), username: 42 },
      { ...newUser(), username: 'nul\u0000byte' },
      { ...newUser(), email: 'a@b.test\u0000' },
    ];
    for (const body of bodies) {
      const answer = await call(server, 'POST', '/auth/register', { body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expectErrorShape(answer.body, 'validation_failed');
    }
    const login = await call(server, 'POST', '/auth', { body: { username: { $ne: null }, password: { $ne: null } } });
    expect(login.status).toBe(400);
    expect(await accountCount()).toBe(1);
  });

  it('huge strings within the body limit are refused by field limits', async () => {
    const answer = await call(server, 'POST', '/auth', { body: { username: 'u'.repeat(60_000), password: 'x' } });
    expect(answer.status).toBe(400);
    expectErrorShape(answer.body, 'validation_failed');
  });

  it('a body that is not UTF-8 is 400', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"username":"'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('","password":"Sturdy-pass-1"}'),
    ]);
    const answer = await rawPost(server, '/auth', bytes, { 'content-type': 'application/json' });
    expect(answer.status).toBe(400);
    expectErrorShape(answer.body, 'validation_failed');
    const latin1 = await rawPost(server, '/auth', Buffer.from('{}'), {
      'content-type': 'application/json; charset=latin1',
    });
    expect(latin1.status).toBe(415);
  });

  it('unknown paths are 404 not_found in the same shape', async () => {
    // `/` is not among them: it sends a person to /login (every mail names it as the sender).
    for (const path of ['/auth/nope', '/api/v2/auth', '/nope', '/index.html']) {
      const answer = await call(server, 'GET', path);
      expect(answer.status).toBe(404);
      expectErrorShape(answer.body, 'not_found');
    }
  });

  it('a path parameter that is not valid percent-encoded UTF-8 is 400, never a 500 (found by the fuzz)', async () => {
    const user = await register(server);
    for (const path of [
      '/auth/sessions/%C3%28',
      '/auth/acls/%ZZ/tokens',
      '/auth/identities/nostr/%',
      '/admin/users/%ED%A0%80',
    ]) {
      const answer = await call(
        server,
        path.startsWith('/auth/sessions') || path.startsWith('/auth/identities') ? 'DELETE' : 'GET',
        path,
        { token: user.token },
      );
      expect(answer.status, path).toBe(400);
      expectErrorShape(answer.body, 'validation_failed');
    }
  });

  it('routing: paths are case-sensitive, one trailing slash is ignored, HEAD answers as GET, OPTIONS names the methods', async () => {
    expect((await call(server, 'GET', '/auth/me', { token })).status).toBe(200);
    expect((await call(server, 'GET', '/auth/me/', { token })).status).toBe(200);
    const upper = await call(server, 'GET', '/api/v1/AUTH/ME', { token });
    expect(upper.status).toBe(404);
    expectErrorShape(upper.body, 'not_found');
    const head = await fetch(`${server.api}/auth/me`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const options = await fetch(`${server.api}/auth/me`, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('GET, HEAD, PUT, DELETE, OPTIONS');
    const parameterised = await fetch(`${server.api}/auth/acls/some-id`, { method: 'OPTIONS' });
    expect(parameterised.headers.get('allow')).toBe('PUT, DELETE, OPTIONS');
    expect((await fetch(`${server.api}/auth/nothing-here/at/all`, { method: 'OPTIONS' })).status).toBe(404);
  });
});
