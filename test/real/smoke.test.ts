import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { codeAt } from '../support/totp.js';
import { call, newUser, startServer, TestClock, type Answer, type TestServer } from '../support/server.js';

/*
 * The end-to-end smoke of `npm run test:real`: two instances of the service on the servers named by
 * EVENTSTORE_URL, MONGO_URL and REDIS_URL (a fresh MongoDB database per run; the event store is
 * shared with earlier runs, so nothing here counts on being first). What one instance writes, the
 * other serves: register, login, TOTP, an ACL token, a rebuild of `me`, and an erasure.
 */

const mongo = new URL(process.env.MONGO_URL!);
mongo.pathname = `/smoke_${randomUUID().replaceAll('-', '')}`;
const env = {
  EVENTSTORE_URL: process.env.EVENTSTORE_URL!,
  MONGO_URL: mongo.toString(),
  REDIS_URL: process.env.REDIS_URL!,
  REGISTRATION: 'open',
};

/**
 * Retries until `check` passes (vitest's waitFor): the other instance's read models follow the
 * store, not this request. Answers the last value either way, for the caller's assertion to show.
 */
async function eventually<T>(attempt: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  let last: T | undefined;
  const passed = async () => {
    last = await attempt();
    if (!check(last)) throw new Error('not yet');
  };
  await vi.waitFor(passed, { timeout: timeoutMs, interval: 200 }).catch(() => undefined);
  return last as T;
}

const clock = new TestClock(new Date());
let a: TestServer;
let b: TestServer;
let admin: string;

beforeAll(async () => {
  a = await startServer(env, { clock });
  b = await startServer(env, { clock });
  // The operator makes the admin, whoever came first on this event store.
  const password = `Smoke-admin-${randomUUID()}`;
  const username = `smoke_admin_${randomUUID().slice(0, 8)}`;
  const made = spawnSync(
    process.execPath,
    ['dist/src/cli.js', 'create-admin', '--username', username, '--password', password],
    {
      env: { ...process.env, ...env, DATA_DIR: mkdtempSync(join(tmpdir(), 'smoke-cli-')), LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  expect(made.status, made.stderr).toBe(0);
  const login = await eventually(
    () => call(a, 'POST', '/auth', { body: { username, password } }),
    (answer) => answer.status === 200,
  );
  expect(login.status).toBe(200);
  admin = login.body.access_token;
});

afterAll(async () => {
  await a?.close();
  await b?.close();
});

const ok = (status: number) => (answer: Answer) => answer.status === status;

describe('two instances on EventStoreDB, MongoDB and Redis', () => {
  it('register, login, TOTP, an ACL token, a rebuild and an erasure, each seen by the other instance', async () => {
    const person = newUser();
    const registered = await call(a, 'POST', '/auth/register', { body: person });
    expect(registered.status).toBe(201);
    const credentials = { username: person.username, password: person.password };
    const login = await eventually(() => call(b, 'POST', '/auth', { body: credentials }), ok(200));
    expect(login.status).toBe(200);
    const token = login.body.access_token as string;

    // TOTP on A; B asks for the code, then takes it.
    const setup = await call(a, 'GET', '/auth/totp', { token });
    const secret = setup.body.secret as string;
    expect((await call(a, 'POST', '/auth/totp', { token, body: { code: await codeAt(secret, clock) } })).status).toBe(
      200,
    );
    clock.advance(30_000);
    const asked = await eventually(
      () => call(b, 'POST', '/auth', { body: credentials }),
      (answer) => answer.body.code === 'totp_required',
    );
    expect([asked.status, asked.body.code]).toEqual([401, 'totp_required']);
    const withCode = await call(b, 'POST', '/auth', {
      body: { ...credentials, totp_code: await codeAt(secret, clock) },
    });
    expect(withCode.status).toBe(200);

    // An ACL token made on A works on B, within its ACL only.
    const acl = await call(a, 'POST', '/auth/acls', {
      token,
      body: { name: 'reader', allowed_endpoints: ['GET /api/v1/auth/me'] },
    });
    expect(acl.status).toBe(201);
    const issued = await call(a, 'POST', `/auth/acls/${acl.body.id}/tokens`, { token, body: {} });
    expect(issued.status).toBe(201);
    const me = await eventually(() => call(b, 'GET', '/auth/me', { token: issued.body.token }), ok(200));
    expect(me.body.username).toBe(person.username);
    expect((await call(b, 'GET', '/auth/sessions', { token: issued.body.token })).status).toBe(403);

    // A rebuild of `me` on A: B keeps answering, and both end on the new generation.
    const before = await call(a, 'GET', '/admin/projections/me', { token: admin });
    expect((await call(a, 'POST', '/admin/projections/me/rebuild', { token: admin })).status).toBe(202);
    const rebuilt = await eventually(
      () => call(a, 'GET', '/admin/projections/me', { token: admin }),
      (answer) => answer.body.status === 'live' && answer.body.generation > before.body.generation,
      120_000,
    );
    expect(rebuilt.body.generation).toBeGreaterThan(before.body.generation);
    expect((await call(b, 'GET', '/auth/me', { token: issued.body.token })).status).toBe(200);
    // B follows the swap through the registry (PROJECTION_REGISTRY_POLL).
    const followed = await eventually(
      () => call(b, 'GET', '/admin/projections/me', { token: admin }),
      (answer) => answer.body.generation === rebuilt.body.generation && answer.body.status === 'live',
      60_000,
    );
    expect(followed.body.generation).toBe(rebuilt.body.generation);

    // Erasure on A: B refuses the account, and the history keeps no personal data.
    clock.advance(30_000);
    const deleted = await call(a, 'DELETE', '/auth/me', {
      token: withCode.body.access_token,
      body: { password: person.password, totp_code: await codeAt(secret, clock) },
    });
    expect(deleted.status).toBe(200);
    const refused = await eventually(() => call(b, 'POST', '/auth', { body: credentials }), ok(401));
    expect(refused.status).toBe(401);
    const history = await call(a, 'GET', `/admin/users/${me.body.id}/history`, { token: admin });
    expect(history.status).toBe(200);
    expect(JSON.stringify(history.body)).not.toContain(person.email);
    expect(JSON.stringify(history.body)).not.toContain(person.username);
  });
});
