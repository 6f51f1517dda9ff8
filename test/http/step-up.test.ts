import { finalizeEvent, generateSecretKey } from 'nostr-tools/pure';
import { afterEach, describe, expect, it } from 'vitest';
import { passkeyDevice } from '../support/passkeys.js';
import { call, newUser, register, startServer, TestClock, type TestServer } from '../support/server.js';
import { codeAt, enableTotp } from '../support/totp.js';

const WINDOW_MS = 10 * 60_000;

/** Every sensitive action, as a request a session makes (with what it needs besides the proof). */
async function sensitiveActions(server: TestServer, token: string) {
  const acl = await call(server, 'POST', '/auth/acls', { token, body: { name: 'a', allowed_endpoints: ['GET /x'] } });
  expect(acl.status).toBe(201);
  const nostrLink = () => {
    const url = `${server.service.config.publicUrl}/api/v1/auth/nostr/link`;
    const event = finalizeEvent(
      {
        kind: 27235,
        created_at: Math.floor(server.clock.now().getTime() / 1000),
        tags: [
          ['u', url],
          ['method', 'POST'],
        ],
        content: '',
      },
      generateSecretKey(),
    );
    return { nostr_event: JSON.stringify(event) };
  };
  return [
    {
      name: 'create an ACL',
      method: 'POST',
      path: '/auth/acls',
      body: () => ({ name: 'b', allowed_endpoints: ['GET /y'] }),
    },
    { name: 'change an ACL', method: 'PUT', path: `/auth/acls/${acl.body.id}`, body: () => ({ name: 'renamed' }) },
    { name: 'issue an ACL token', method: 'POST', path: `/auth/acls/${acl.body.id}/tokens`, body: () => ({}) },
    { name: 'create an API key', method: 'POST', path: '/auth/me/tokens', body: () => ({ name: 'k' }) },
    { name: 'rotate the user key', method: 'POST', path: '/auth/usr-key', body: () => ({}) },
    { name: 'link a Nostr key', method: 'POST', path: '/auth/nostr/link', body: nostrLink },
    { name: 'make an admin invite', method: 'POST', path: '/auth/invites', body: () => ({ role: 'admin' }) },
    { name: 'delete an ACL', method: 'DELETE', path: `/auth/acls/${acl.body.id}`, body: () => ({}) },
  ];
}

describe('step-up: sensitive actions need a recent proof of the person', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('every sensitive action is open to a fresh session, refused (403) once REAUTH_WINDOW has passed, and open again with the password in the request', async () => {
    server = await startServer({}, { clock: new TestClock() });
    const admin = await register(server); // the superadmin: admin invites are its to make
    const actions = await sensitiveActions(server, admin.token);
    server.clock.advance(WINDOW_MS + 1000);
    for (const action of actions) {
      const refused = await call(server, action.method, action.path, { token: admin.token, body: action.body() });
      expect([refused.status, refused.body.code], action.name).toEqual([403, 'reauth_required']);
      expect(refused.body.methods, action.name).toEqual(expect.arrayContaining(['password']));
    }
    expect((await call(server, 'GET', '/auth/usr-key', { token: admin.token })).status).toBe(403);
    for (const action of actions) {
      const proven = await call(server, action.method, action.path, {
        token: admin.token,
        body: { ...action.body(), password: admin.password },
      });
      expect(proven.status, action.name).toBeLessThan(300);
    }
  });

  it('POST /auth/reauth opens the window again for this session only; it closes after REAUTH_WINDOW', async () => {
    server = await startServer({}, { clock: new TestClock() });
    const user = await register(server);
    const other = (await call(server, 'POST', '/auth', { body: { username: user.username, password: user.password } }))
      .body.access_token as string;
    server.clock.advance(WINDOW_MS + 1000);
    const createKey = (token: string) => call(server, 'POST', '/auth/me/tokens', { token, body: { name: 'k' } });
    expect((await createKey(user.token)).status).toBe(403);
    const proven = await call(server, 'POST', '/auth/reauth', { token: user.token, body: { password: user.password } });
    expect(proven.status).toBe(200);
    expect(proven.body).toMatchObject({ detail: 'Proven', window_seconds: 600 });
    expect((await createKey(user.token)).status).toBe(201);
    expect((await call(server, 'GET', '/auth/usr-key', { token: user.token })).status).toBe(200);
    // Another session of the same account was not proven.
    expect((await createKey(other)).status).toBe(403);
    server.clock.advance(WINDOW_MS + 1000);
    expect((await createKey(user.token)).status).toBe(403);
    const history = (await call(server, 'GET', '/auth/me/history', { token: user.token })).body;
    expect(history.map((e: { type: string }) => e.type)).toContain('SessionProved');
  });

  it('with 2FA on the proof needs the code too; a passkey proves alone; wrong proofs lock the account', async () => {
    server = await startServer({}, { clock: new TestClock() });
    const user = await register(server);
    const device = passkeyDevice(server);
    await device.add(user.token, undefined, { password: user.password });
    const { secret } = await enableTotp(server, user.token);
    server.clock.advance(WINDOW_MS + 1000);
    const reauth = (body: Record<string, unknown>) => call(server, 'POST', '/auth/reauth', { token: user.token, body });
    expect((await reauth({ password: user.password })).body.code).toBe('totp_required');
    expect((await reauth({ password: user.password, totp_code: await codeAt(secret, server.clock) })).status).toBe(200);
    server.clock.advance(WINDOW_MS + 1000);
    expect((await reauth({ passkey: await device.assertion() })).status).toBe(200);
    server.clock.advance(WINDOW_MS + 1000);
    expect((await reauth({})).body.code).toBe('reauth_required');
    for (let i = 0; i < 5; i += 1) expect((await reauth({ password: 'wrong-password' })).status).toBe(401);
    // The fifth wrong proof locked the account: even the right one is refused now.
    const locked = await reauth({ password: user.password, totp_code: await codeAt(secret, server.clock, 1) });
    expect([locked.status, locked.body.code]).toEqual([429, 'account_locked']);
  });

  it('an account without a password proves itself with its passkey, and sets a first password only when recent', async () => {
    server = await startServer({}, { clock: new TestClock() });
    await register(server);
    const device = passkeyDevice(server);
    const made = await device.signUp({ username: newUser().username });
    const token = made.body.access_token as string;
    server.clock.advance(WINDOW_MS + 1000);
    const initial = () =>
      call(server, 'POST', '/auth/me/set-initial-password', { token, body: { password: 'A-sturdy-password-77' } });
    const refused = await initial();
    expect([refused.status, refused.body.code]).toEqual([403, 'reauth_required']);
    expect(refused.body.methods).toEqual(expect.arrayContaining(['passkey']));
    // It has no password to send: its passkey is the proof.
    expect((await call(server, 'POST', '/auth/reauth', { token, body: { password: 'guess' } })).body.code).toBe(
      'reauth_required',
    );
    expect(
      (await call(server, 'POST', '/auth/reauth', { token, body: { passkey: await device.assertion() } })).status,
    ).toBe(200);
    expect((await initial()).status).toBe(200);
  });

  it('documents the rule and reauth_required on every step-up route', async () => {
    server = await startServer();
    const document = (await call(server, 'GET', '/openapi.json')).body;
    const stepUp = Object.entries(
      document.paths as Record<string, Record<string, { description?: string; responses: Record<string, unknown> }>>,
    )
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ key: `${method} ${path}`, op })))
      .filter(({ op }) => op.description?.includes('A sensitive action'));
    expect(stepUp.map((s) => s.key)).toEqual(
      expect.arrayContaining([
        'post /api/v1/auth/me/tokens',
        'delete /api/v1/auth/acls/{acl_id}',
        'get /api/v1/auth/usr-key',
      ]),
    );
    for (const { key, op } of stepUp) expect(Object.keys(op.responses), key).toContain('403');
  });
});
