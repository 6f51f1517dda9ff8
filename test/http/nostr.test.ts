import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, TestClock, type TestServer } from '../support/server.js';

/**
 * A NIP-98 event as a Nostr client signs it. Two requests signed in the same second with the same
 * tags would be the same event (same id), which the service refuses as a replay; the nonce tag
 * keeps the test's events distinct.
 */
const proof = (secret: Uint8Array, url: string, options: { method?: string; createdAt?: number; kind?: number } = {}) =>
  finalizeEvent(
    {
      kind: options.kind ?? 27235,
      created_at: options.createdAt ?? Math.floor(Date.now() / 1000),
      tags: [
        ['u', url],
        ['method', options.method ?? 'POST'],
        ['nonce', Math.random().toString(36).slice(2)],
      ],
      content: '',
    },
    secret,
  );
const header = (event: object) => ({ authorization: `Nostr ${Buffer.from(JSON.stringify(event)).toString('base64')}` });

describe('Nostr NIP-98', () => {
  let server: TestServer;
  afterEach(() => server?.close());
  const loginUrl = (s: TestServer) => `${s.service.config.publicUrl}/api/v1/auth/nostr`;

  it('a new key makes an account (201); the same key signs into it again (header or body form)', async () => {
    const clock = new TestClock(new Date());
    server = await startServer({}, { clock });
    const secret = generateSecretKey();
    const pubkey = getPublicKey(secret);
    const first = await call(server, 'POST', '/auth/nostr', { headers: header(proof(secret, loginUrl(server))) });
    expect(first.status).toBe(201);
    const me = (await call(server, 'GET', '/auth/me', { token: first.body.access_token })).body;
    expect(me).toMatchObject({ nostr_pubkeys: [pubkey], auth_methods: ['nostr'], has_password: false });
    const again = await call(server, 'POST', '/auth/nostr', {
      body: { nostr_event: JSON.stringify(proof(secret, loginUrl(server))) },
    });
    expect(again.status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { token: again.body.access_token })).body.id).toBe(me.id);
  });

  it('refuses a bad signature, a wrong URL or method tag, a wrong kind, a stale or future event, and a replay', async () => {
    const clock = new TestClock(new Date());
    server = await startServer({}, { clock });
    const secret = generateSecretKey();
    const url = loginUrl(server);
    const now = Math.floor(clock.now().getTime() / 1000);
    const tampered = { ...proof(secret, url), content: 'changed' };
    const cases: [string, object][] = [
      ['signature', tampered],
      ['u tag', proof(secret, `${url}/other`)],
      ['method', proof(secret, url, { method: 'GET' })],
      ['kind', proof(secret, url, { kind: 1 })],
      ['stale', proof(secret, url, { createdAt: now - 61 })],
      ['future', proof(secret, url, { createdAt: now + 61 })],
    ];
    for (const [why, event] of cases) {
      const answer = await call(server, 'POST', '/auth/nostr', { headers: header(event) });
      expect(answer.status, why).toBe(401);
      expect(answer.body.code, why).toBe('invalid_credentials');
    }
    const good = proof(secret, url);
    expect((await call(server, 'POST', '/auth/nostr', { headers: header(good) })).status).toBe(201);
    const replay = await call(server, 'POST', '/auth/nostr', { headers: header(good) });
    expect(replay.status).toBe(401);
    expect(replay.body.detail).toMatch(/already used/);
    expect((await call(server, 'POST', '/auth/nostr', { headers: { authorization: 'Nostr !!!' } })).status).toBe(401);
    expect((await call(server, 'POST', '/auth/nostr')).status).toBe(401);
  });

  it('a replay is refused after a restart too', async () => {
    server = await startServer();
    const secret = generateSecretKey();
    const good = proof(secret, loginUrl(server));
    expect((await call(server, 'POST', '/auth/nostr', { headers: header(good) })).status).toBe(201);
    const dataDir = server.dataDir;
    await server.close();
    server = await startServer({}, { dataDir });
    expect((await call(server, 'POST', '/auth/nostr', { headers: header(good) })).status).toBe(401);
  });

  it('links a key to a password account, which it then signs into; another account cannot take it; unlinking frees it', async () => {
    server = await startServer();
    const user = await register(server);
    const secret = generateSecretKey();
    const pubkey = getPublicKey(secret);
    const linkUrl = `${server.service.config.publicUrl}/api/v1/auth/nostr/link`;
    const linked = await call(server, 'POST', '/auth/nostr/link', {
      token: user.token,
      body: { nostr_event: JSON.stringify(proof(secret, linkUrl)) },
    });
    expect(linked.status).toBe(200);
    expect(linked.body).toMatchObject({ nostr_pubkeys: [pubkey], auth_methods: ['password', 'nostr'] });
    const viaNostr = await call(server, 'POST', '/auth/nostr', { headers: header(proof(secret, loginUrl(server))) });
    expect(viaNostr.status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { token: viaNostr.body.access_token })).body.username).toBe(
      user.username,
    );

    const other = await register(server);
    const taken = await call(server, 'POST', '/auth/nostr/link', {
      token: other.token,
      body: { nostr_event: JSON.stringify(proof(secret, linkUrl)) },
    });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ code: 'identity_taken', detail: 'This Nostr key belongs to another account' });

    const unlinked = await call(server, 'DELETE', `/auth/identities/nostr/${pubkey}`, { token: user.token });
    expect(unlinked.body).toMatchObject({ nostr_pubkeys: [], auth_methods: ['password'] });
    // The login method words its own lines of the account's history.
    const history = (await call(server, 'GET', '/auth/me/history', { token: user.token })).body;
    expect(history.slice(0, 3).map((entry: { type: string; summary: string }) => [entry.type, entry.summary])).toEqual([
      ['IdentityUnlinked', 'Nostr key unlinked'],
      ['SessionStarted', 'Signed in with Nostr'],
      ['IdentityLinked', 'Nostr key linked'],
    ]);
    expect(
      (
        await call(server, 'POST', '/auth/nostr/link', {
          token: other.token,
          body: { nostr_event: JSON.stringify(proof(secret, linkUrl)) },
        })
      ).status,
    ).toBe(200);
  });

  it('unlinking the last way in is refused with 409', async () => {
    server = await startServer({ ALLOW_USR_LOGIN: 'false' });
    const secret = generateSecretKey();
    const made = await call(server, 'POST', '/auth/nostr', { headers: header(proof(secret, loginUrl(server))) });
    const refused = await call(server, 'DELETE', `/auth/identities/nostr/${getPublicKey(secret)}`, {
      token: made.body.access_token,
    });
    expect(refused.status).toBe(409);
    expect(
      (await call(server, 'DELETE', `/auth/identities/nostr/${'a'.repeat(64)}`, { token: made.body.access_token }))
        .status,
    ).toBe(404);
  });
});
