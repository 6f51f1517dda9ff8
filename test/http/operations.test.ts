import { Writable } from 'node:stream';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { generate } from 'otplib';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging.js';
import { codeIn, resetTokenIn, waitForMail } from '../support/mail.js';
import { call, register, startServer, type TestServer } from '../support/server.js';

/** The service's own logger (JSON lines, redaction, request ids) writing into an array. */
const capturedLogger = () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger('trace', stream), lines };
};

describe('operations: metrics', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('serves Prometheus text: latency by route pattern and status, command outcomes, login failures, projection lag, queue depth', async () => {
    server = await startServer();
    const user = await register(server);
    await call(server, 'POST', '/auth', { body: { username: user.username, password: 'Wrong-password-1' } });
    await call(server, 'GET', '/auth/me', { token: user.token });
    const sessions = (await call(server, 'GET', '/auth/sessions', { token: user.token })).body;
    await call(server, 'DELETE', `/auth/sessions/${sessions[0].id}`, { token: user.token });

    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/auth\/register",status="201"\} 1/,
    );
    expect(text).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/auth",status="401"\} 1/);
    // Route patterns, never the ids inside paths.
    expect(text).toContain('route="/api/v1/auth/sessions/:id"');
    expect(text).not.toContain(sessions[0].id);
    expect(text).toMatch(/accounts_commands_total\{aggregate="user",outcome="appended",code=""\} \d+/);
    expect(text).toMatch(/accounts_login_failures_total\{reason="password"\} 1/);
    expect(text).toMatch(/accounts_projection_lag_events\{projection="me",status="live"\} 0/);
    expect(text).toMatch(/accounts_queue_depth \d+/);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('with METRICS_TOKEN, /metrics answers only its bearer token (401 otherwise, in the error shape)', async () => {
    server = await startServer({ METRICS_TOKEN: 'scrape-token-0123456789' });
    for (const authorization of [
      undefined,
      'Bearer wrong-token-0123456789',
      'Bearer scrape-token-012345678',
      'Basic c2NyYXBl',
    ]) {
      const refused = await fetch(`${server.url}/metrics`, { headers: authorization ? { authorization } : {} });
      expect(refused.status, authorization).toBe(401);
      expect(refused.headers.get('www-authenticate')).toContain('Bearer');
      expect(await refused.json()).toMatchObject({ code: 'unauthenticated' });
    }
    const allowed = await fetch(`${server.url}/metrics`, {
      headers: { authorization: 'Bearer scrape-token-0123456789' },
    });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('process_cpu_user_seconds_total');
  });

  it('counts refusals by code', async () => {
    server = await startServer();
    const user = await register(server);
    await call(server, 'POST', '/auth/register', { body: { username: user.username, password: 'Another-pass-123' } });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/accounts_commands_total\{aggregate="unique",outcome="refused",code="conflict"\} 1/);
  });
});

describe('operations: logs', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('a full run logs JSON lines with request ids, and never a password, a token, a key or a TOTP secret', async () => {
    const { logger, lines } = capturedLogger();
    server = await startServer({}, { logger });
    const secrets: string[] = [];
    const user = await register(server);
    secrets.push(user.password, user.token, user.answer.body.usr);
    const login = await call(server, 'POST', '/auth', {
      body: { username: user.username, password: user.password },
      headers: { 'x-request-id': 'trace-me-42' },
    });
    secrets.push(login.body.access_token);
    await call(server, 'POST', '/auth', { body: { username: user.username, password: 'Wrong-password-1' } });
    const setup = await call(server, 'GET', '/auth/totp', { token: user.token });
    secrets.push(setup.body.secret);
    const code = await generate({ secret: setup.body.secret, epoch: Math.floor(server.clock.now().getTime() / 1000) });
    const enabled = await call(server, 'POST', '/auth/totp', { token: user.token, body: { code } });
    secrets.push(...enabled.body.backup_codes);
    const acl = await call(server, 'POST', '/auth/acls', {
      token: user.token,
      body: { name: 'reader', allowed_endpoints: ['GET /api/v1/auth/me'] },
    });
    const aclToken = await call(server, 'POST', `/auth/acls/${acl.body.id}/tokens`, { token: user.token, body: {} });
    secrets.push(aclToken.body.token);
    await call(server, 'GET', '/auth/me', { token: aclToken.body.token });
    const key = await call(server, 'POST', '/auth/me/tokens', { token: user.token, body: { name: 'ci' } });
    secrets.push(key.body.token);
    await call(server, 'GET', '/auth/me', { headers: { 'x-api-key': key.body.token } });
    await call(server, 'GET', `/auth/verify-token?token=${encodeURIComponent(key.body.token)}`);
    await call(server, 'POST', '/auth/reset-password', { body: { email: user.email } });
    const resetMail = await waitForMail(server.dataDir, user.email, { match: (m) => resetTokenIn(m) !== null });
    const resetToken = resetTokenIn(resetMail)!;
    secrets.push(resetToken);
    const newPassword = 'A-fresh-password-77';
    secrets.push(newPassword);
    expect(
      (
        await call(server, 'PUT', '/auth/reset-password', {
          body: { reset_token: resetToken, new_password: newPassword },
        })
      ).status,
    ).toBe(200);
    await call(server, 'POST', '/auth/send-code', { body: { email: 'someone.new@example.test' } });
    const codeMail = await waitForMail(server.dataDir, 'someone.new@example.test');
    secrets.push(codeIn(codeMail)!);
    const made = await call(server, 'POST', '/auth/verify-code', {
      body: { email: 'someone.new@example.test', code: codeIn(codeMail) },
    });
    secrets.push(made.body.access_token);
    // A wallet's key and signature are not secret, but k1 is a one-time bearer of the login.
    const lnurl = await call(server, 'GET', '/auth/lnurl');
    const secret = secp256k1.utils.randomSecretKey();
    const sig = Buffer.from(
      secp256k1.sign(Buffer.from(lnurl.body.k1, 'hex'), secret, { prehash: false, format: 'der' }),
    ).toString('hex');
    const linkingKey = Buffer.from(secp256k1.getPublicKey(secret, true)).toString('hex');
    await call(server, 'GET', `/auth/lnurl/callback?tag=login&k1=${lnurl.body.k1}&sig=${sig}&key=${linkingKey}`);
    const polled = await call(server, 'GET', `/auth/lnurl/${lnurl.body.k1}`);
    secrets.push(lnurl.body.k1);
    secrets.push(polled.body.access_token);
    await call(server, 'POST', '/auth/logout', { token: login.body.access_token });
    await server.close();

    expect(lines.length).toBeGreaterThan(30);
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const text = lines.join('\n');
    for (const value of secrets) {
      expect(value, 'a secret the run used').toEqual(expect.any(String));
      expect(value.length).toBeGreaterThan(5);
      expect(text.includes(value), `a secret reached the log: ${value.slice(0, 4)}…`).toBe(false);
    }
    // The lines about a request carry its id: the caller's when it sent a sane one.
    const inRequests = entries.filter((e) => e.msg === 'request' || e.msg === 'request started');
    expect(inRequests.length).toBeGreaterThan(30);
    for (const entry of inRequests) expect(entry.requestId).toEqual(expect.any(String));
    expect(entries.filter((e) => e.requestId === 'trace-me-42').map((e) => e.msg)).toEqual([
      'request started',
      'request',
    ]);
  });
});

describe('operations: the redaction net', () => {
  it('writes secret-named fields as [redacted] wherever a careless log line puts them', () => {
    const { logger, lines } = capturedLogger();
    logger.info(
      {
        password: 'p-leak-1',
        body: { new_password: 'p-leak-2' },
        headers: { authorization: 'Bearer t-leak-3', 'x-api-key': 'ak_leak4' },
        job: { token: 't-leak-5', secret: 's-leak-6' },
      },
      'careless',
    );
    const text = lines.join('\n');
    for (const leak of ['p-leak-1', 'p-leak-2', 't-leak-3', 'ak_leak4', 't-leak-5', 's-leak-6'])
      expect(text).not.toContain(leak);
    expect(text).toContain('[redacted]');
  });
});

describe('operations: readiness', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('/readyz says ready with positions, and 503 naming the reason when a store is gone', async () => {
    server = await startServer();
    const ready = await call(server, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    const closed = server.service.readStore.ping;
    server.service.readStore.ping = async () => {
      throw new Error('gone');
    };
    const notReady = await call(server, 'GET', '/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body.code).toBe('unavailable');
    expect(notReady.body.detail).toContain('read store unreachable');
    server.service.readStore.ping = closed;
  });
});
