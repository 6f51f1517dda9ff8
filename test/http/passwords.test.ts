import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { call, newUser, register, startServer, TestClock, type TestServer } from '../support/server.js';
import { nostrSigner } from '../support/signers.js';

const sha1 = (password: string) => createHash('sha1').update(password).digest('hex').toUpperCase();
const BREACHED = 'Violet-harbour-lantern-77';
const CLEAN = 'Quiet-orchard-compass-31';

/**
 * A stand-in for the Pwned Passwords range API: `GET /range/<5 hex>` answers `SUFFIX:COUNT` lines
 * (with padding lines of count 0), or is slow, down (503, or not listening), or answers nonsense.
 */
async function rangeStandIn(known: Record<string, number>) {
  const requests: { url: string; padding: string | undefined; body: string }[] = [];
  let mode: 'ok' | 'slow' | 'error' | 'malformed' = 'ok';
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', padding: req.headers['add-padding'] as string | undefined, body });
      const prefix = /^\/range\/([0-9A-F]{5})$/.exec(req.url ?? '')?.[1];
      if (mode === 'error' || !prefix) return res.writeHead(503).end('busy');
      if (mode === 'malformed') return res.writeHead(200).end('<html>not a range</html>');
      const lines = Object.entries(known)
        .map(([password, count]) => [sha1(password), count] as const)
        .filter(([hash]) => hash.startsWith(prefix))
        .map(([hash, count]) => `${hash.slice(5)}:${count}`);
      lines.push(`${'0'.repeat(35)}:0`, `${'F'.repeat(35)}:0`);
      const answer = () => res.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
      if (mode === 'slow') setTimeout(answer, 1500);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/range`,
    requests,
    set: (next: typeof mode) => void (mode = next),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The log lines the service writes, as parsed JSON. */
function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines };
}

const metric = async (server: TestServer, outcome: string) => {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(
    new RegExp(`accounts_breach_check_seconds_count\\{outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0,
  );
};

describe('passwords people cannot guess, and none known from breaches', () => {
  let server: TestServer | undefined;
  let standIn: Awaited<ReturnType<typeof rangeStandIn>> | undefined;
  afterEach(async () => {
    await server?.close();
    await standIn?.close();
    server = undefined;
    standIn = undefined;
  });

  it('a weak password is refused with 400 password_too_weak and the reasons, on registration and on every change', async () => {
    server = await startServer();
    const weak = await call(server, 'POST', '/auth/register', { body: newUser({ password: 'password123' }) });
    expect(weak.status).toBe(400);
    expect(weak.body.code).toBe('password_too_weak');
    expect(weak.body.issues[0]).toEqual({ path: 'password', message: expect.any(String) });
    // The account's own name counts as a known word.
    const named = await call(server, 'POST', '/auth/register', {
      body: newUser({ username: 'grace_hopper', password: 'grace_hopper_1906' }),
    });
    expect(named.body.code).toBe('password_too_weak');
    const user = await register(server);
    const change = await call(server, 'PUT', '/auth/update-password', {
      token: user.token,
      body: { old_password: user.password, new_password: `${user.username}-1` },
    });
    expect([change.status, change.body.code, change.body.issues[0].path]).toEqual([
      400,
      'password_too_weak',
      'new_password',
    ]);
  });

  it("an admin-made account's first change is held to the same policy", async () => {
    server = await startServer();
    const root = await register(server);
    const made = await call(server, 'POST', '/admin/users', {
      token: root.token,
      body: { username: 'newhire', email: 'newhire@example.test' },
    });
    const login = await call(server, 'POST', '/auth', {
      body: { username: 'newhire', password: made.body.temporary_password },
    });
    const weak = await call(server, 'PUT', '/auth/update-password', {
      token: login.body.access_token,
      body: { old_password: made.body.temporary_password, new_password: 'newhire2026' },
    });
    expect([weak.status, weak.body.code]).toEqual([400, 'password_too_weak']);
  });

  it('a first password (an account made without one) is held to the same policy', async () => {
    server = await startServer();
    await register(server);
    const nostr = nostrSigner(server.clock);
    const url = `${server.service.config.publicUrl}/api/v1/auth/nostr`;
    const made = await call(server, 'POST', '/auth/nostr', { body: { nostr_event: nostr.proof(url) } });
    expect(made.status).toBe(201);
    const weak = await call(server, 'POST', '/auth/me/set-initial-password', {
      token: made.body.access_token,
      body: { password: 'iloveyou1' },
    });
    expect([weak.status, weak.body.code]).toEqual([400, 'password_too_weak']);
    const strong = await call(server, 'POST', '/auth/me/set-initial-password', {
      token: made.body.access_token,
      body: { password: CLEAN },
    });
    expect(strong.status).toBe(200);
  });

  it('PASSWORD_MIN_SCORE=0 lets a weak one through', async () => {
    server = await startServer({ PASSWORD_MIN_SCORE: '0' });
    expect((await call(server, 'POST', '/auth/register', { body: newUser({ password: 'password123' }) })).status).toBe(
      201,
    );
  });

  it('PWNED_PASSWORDS_URL: only five hex characters of the SHA-1 leave, padded; a breached password is refused, a clean one passes; answers are cached', async () => {
    standIn = await rangeStandIn({ [BREACHED]: 3 });
    server = await startServer({ PWNED_PASSWORDS_URL: standIn.url }, { clock: new TestClock() });
    const refused = await call(server, 'POST', '/auth/register', { body: newUser({ password: BREACHED }) });
    expect([refused.status, refused.body.code, refused.body.issues[0].path]).toEqual([
      400,
      'password_breached',
      'password',
    ]);
    expect(standIn.requests).toEqual([{ url: `/range/${sha1(BREACHED).slice(0, 5)}`, padding: 'true', body: '' }]);
    expect((await call(server, 'POST', '/auth/register', { body: newUser({ password: CLEAN }) })).status).toBe(201);
    expect(standIn.requests).toHaveLength(2);
    // The same prefix again is answered from the cache.
    await call(server, 'POST', '/auth/register', { body: newUser({ password: BREACHED }) });
    expect(standIn.requests).toHaveLength(2);
    expect(await metric(server, 'found')).toBe(2); // once asked, once from the cache
    // An hour later the prefix is asked again.
    server.clock.advance(3_600_001);
    await call(server, 'POST', '/auth/register', { body: newUser({ password: BREACHED }) });
    expect(standIn.requests).toHaveLength(3);
    expect(await metric(server, 'clean')).toBe(1);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/accounts_passwords_refused_total\{reason="breached"\} 3/);
  });

  it('PWNED_MIN_COUNT: a password seen fewer times passes', async () => {
    standIn = await rangeStandIn({ [BREACHED]: 3 });
    server = await startServer({ PWNED_PASSWORDS_URL: standIn.url, PWNED_MIN_COUNT: '4' });
    expect((await call(server, 'POST', '/auth/register', { body: newUser({ password: BREACHED }) })).status).toBe(201);
  });

  it.each([
    ['slow', 'slow'],
    ['down (503)', 'error'],
    ['answering nonsense', 'malformed'],
  ] as const)(
    'a breach service that is %s is skipped with a warning and a metric, never a failed registration',
    async (_what, mode) => {
      standIn = await rangeStandIn({ [BREACHED]: 3 });
      standIn.set(mode);
      const log = capturedLog();
      server = await startServer({ PWNED_PASSWORDS_URL: standIn.url, PWNED_TIMEOUT: '300ms' }, { logger: log.logger });
      expect((await call(server, 'POST', '/auth/register', { body: newUser({ password: BREACHED }) })).status).toBe(
        201,
      );
      expect(await metric(server, 'skipped')).toBe(1);
      const warning = log.lines.find((line) => String(line.msg).startsWith('breached-password check skipped'));
      expect(warning).toBeDefined();
      expect(JSON.stringify(log.lines)).not.toContain(sha1(BREACHED).slice(0, 5));
    },
  );

  it('PWNED_PASSWORDS_FILE does the same offline, from a local copy ordered by hash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pwned-'));
    const path = join(dir, 'pwned.txt');
    const lines = [`${sha1(BREACHED)}:9`, `${'0'.repeat(40)}:1`, `${'F'.repeat(40)}:1`].sort();
    writeFileSync(path, `${lines.join('\r\n')}\r\n`);
    server = await startServer({ PWNED_PASSWORDS_FILE: path });
    const refused = await call(server, 'POST', '/auth/register', { body: newUser({ password: BREACHED }) });
    expect([refused.status, refused.body.code]).toEqual([400, 'password_breached']);
    expect((await call(server, 'POST', '/auth/register', { body: newUser({ password: CLEAN }) })).status).toBe(201);
  });

  it('a breach service that is not listening at all is skipped too', async () => {
    standIn = await rangeStandIn({});
    const url = standIn.url;
    await standIn.close();
    standIn = undefined;
    server = await startServer({ PWNED_PASSWORDS_URL: url });
    expect((await call(server, 'POST', '/auth/register', { body: newUser({ password: BREACHED }) })).status).toBe(201);
    expect(await metric(server, 'skipped')).toBe(1);
  });
});
