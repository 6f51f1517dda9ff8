import { bech32 } from 'bech32';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, TestClock, type TestServer } from '../support/server.js';
import { lightningWallet } from '../support/signers.js';

const wallet = lightningWallet;

const callback = (server: TestServer, query: Record<string, string>) =>
  call(server, 'GET', `/auth/lnurl/callback?${new URLSearchParams(query).toString()}`);

describe('LNURL-auth (LUD-04)', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('a wallet signs k1; the poll gives the token once; a new key made the account; the key signs into it again', async () => {
    server = await startServer();
    const w = wallet();
    const start = await call(server, 'GET', '/auth/lnurl?action=login');
    expect(start.body).toEqual({
      lnurl: expect.stringMatching(/^LNURL1[0-9A-Z]+$/),
      k1: expect.stringMatching(/^[0-9a-f]{64}$/),
      callback: expect.any(String),
      expires_at: expect.any(String),
    });
    const decoded = Buffer.from(bech32.fromWords(bech32.decode(start.body.lnurl.toLowerCase(), 1023).words)).toString(
      'utf8',
    );
    expect(decoded).toBe(start.body.callback);
    expect(new URL(start.body.callback).searchParams.get('k1')).toBe(start.body.k1);
    expect((await call(server, 'GET', `/auth/lnurl/${start.body.k1}`)).status).toBe(202);
    const signed = await callback(server, { tag: 'login', k1: start.body.k1, sig: w.sign(start.body.k1), key: w.key });
    expect(signed.status).toBe(200);
    expect(signed.body).toEqual({ status: 'OK' });
    const token = await call(server, 'GET', `/auth/lnurl/${start.body.k1}`);
    expect(token.status).toBe(200);
    expect(token.body.token_type).toBe('bearer');
    const me = (await call(server, 'GET', '/auth/me', { token: token.body.access_token })).body;
    expect(me.auth_methods).toEqual(['lnurl']);
    const again = await call(server, 'GET', `/auth/lnurl/${start.body.k1}`);
    expect(again.status).toBe(410);
    expect(again.body.code).toBe('challenge_used');

    const second = await call(server, 'GET', '/auth/lnurl');
    await callback(server, { tag: 'login', k1: second.body.k1, sig: w.sign(second.body.k1), key: w.key });
    const back = await call(server, 'GET', `/auth/lnurl/${second.body.k1}`);
    expect((await call(server, 'GET', '/auth/me', { token: back.body.access_token })).body.id).toBe(me.id);
  });

  it('links a wallet to a password account with action=link, which it then signs into', async () => {
    server = await startServer();
    const user = await register(server);
    const w = wallet();
    expect((await call(server, 'GET', '/auth/lnurl?action=link')).status).toBe(401);
    const start = await call(server, 'GET', '/auth/lnurl?action=link', { token: user.token });
    expect(
      (await callback(server, { tag: 'login', k1: start.body.k1, sig: w.sign(start.body.k1), key: w.key })).body,
    ).toEqual({ status: 'OK' });
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).body.auth_methods).toEqual([
      'password',
      'lnurl',
    ]);
    const login = await call(server, 'GET', '/auth/lnurl?action=login');
    await callback(server, { tag: 'login', k1: login.body.k1, sig: w.sign(login.body.k1), key: w.key });
    const token = await call(server, 'GET', `/auth/lnurl/${login.body.k1}`);
    expect((await call(server, 'GET', '/auth/me', { token: token.body.access_token })).body.username).toBe(
      user.username,
    );
  });

  it('answers the wallet with LUD-04 errors: bad signature, other key, unknown or reused k1, bad tag or key', async () => {
    server = await startServer();
    const w = wallet();
    const other = wallet();
    const start = await call(server, 'GET', '/auth/lnurl');
    const k1 = start.body.k1 as string;
    const cases: [string, Record<string, string>][] = [
      [
        'bad signature',
        { tag: 'login', k1, sig: w.sign(k1).replace(/.$/, (c) => (c === '0' ? '1' : '0')), key: w.key },
      ],
      ['signed by another key', { tag: 'login', k1, sig: other.sign(k1), key: w.key }],
      ['unknown k1', { tag: 'login', k1: 'ab'.repeat(32), sig: w.sign('ab'.repeat(32)), key: w.key }],
      ['tag', { tag: 'withdraw', k1, sig: w.sign(k1), key: w.key }],
      ['key', { tag: 'login', k1, sig: w.sign(k1), key: 'zz' }],
    ];
    for (const [why, query] of cases) {
      const answer = await callback(server, query);
      expect(answer.status, why).toBe(200);
      expect(answer.body, why).toEqual({ status: 'ERROR', reason: expect.any(String) });
    }
    expect((await callback(server, { tag: 'login', k1, sig: w.sign(k1), key: w.key })).body).toEqual({ status: 'OK' });
    expect((await callback(server, { tag: 'login', k1, sig: w.sign(k1), key: w.key })).body.status).toBe('ERROR');
  });

  it('an expired k1 is refused by the wallet callback and the poll (410)', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    const w = wallet();
    const start = await call(server, 'GET', '/auth/lnurl');
    clock.advance(5 * 60_000 + 1000);
    expect(
      (await callback(server, { tag: 'login', k1: start.body.k1, sig: w.sign(start.body.k1), key: w.key })).body.status,
    ).toBe('ERROR');
    const poll = await call(server, 'GET', `/auth/lnurl/${start.body.k1}`);
    expect(poll.status).toBe(410);
    expect(poll.body.code).toBe('challenge_expired');
    expect((await call(server, 'GET', `/auth/lnurl/${'00'.repeat(32)}`)).status).toBe(404);
  });

  it('with registration closed, an unknown wallet gets an ERROR and no account', async () => {
    server = await startServer({ ALLOW_NEW_ACCOUNTS: 'false' });
    await register(server);
    const w = wallet();
    const start = await call(server, 'GET', '/auth/lnurl?action=register');
    const answer = await callback(server, { tag: 'login', k1: start.body.k1, sig: w.sign(start.body.k1), key: w.key });
    expect(answer.body).toEqual({ status: 'ERROR', reason: expect.stringMatching(/closed/i) });
    expect((await call(server, 'GET', `/auth/lnurl/${start.body.k1}`)).status).toBe(202);
  });

  it('a linked wallet counts as a way in: an account made by a wallet may unlink its Nostr key', async () => {
    server = await startServer({ ALLOW_USR_LOGIN: 'false' });
    const w = wallet();
    const start = await call(server, 'GET', '/auth/lnurl');
    await callback(server, { tag: 'login', k1: start.body.k1, sig: w.sign(start.body.k1), key: w.key });
    const token = (await call(server, 'GET', `/auth/lnurl/${start.body.k1}`)).body.access_token;
    const nostrSecret = generateSecretKey();
    const linkUrl = `${server.service.config.publicUrl}/api/v1/auth/nostr/link`;
    const event = finalizeEvent(
      {
        kind: 27235,
        created_at: Math.floor(Date.now() / 1000),
        tags: [
          ['u', linkUrl],
          ['method', 'POST'],
        ],
        content: '',
      },
      nostrSecret,
    );
    expect(
      (await call(server, 'POST', '/auth/nostr/link', { token, body: { nostr_event: JSON.stringify(event) } })).status,
    ).toBe(200);
    const unlinked = await call(server, 'DELETE', `/auth/identities/nostr/${getPublicKey(nostrSecret)}`, { token });
    expect(unlinked.status).toBe(200);
    expect(unlinked.body.auth_methods).toEqual(['lnurl']);
  });

  it('unlinks a wallet with DELETE /auth/identities/lnurl/{key}, never the last way in', async () => {
    server = await startServer({ ALLOW_USR_LOGIN: 'false' });
    const w = wallet();
    const start = await call(server, 'GET', '/auth/lnurl');
    await callback(server, { tag: 'login', k1: start.body.k1, sig: w.sign(start.body.k1), key: w.key });
    const token = (await call(server, 'GET', `/auth/lnurl/${start.body.k1}`)).body.access_token as string;
    expect((await call(server, 'GET', '/auth/me', { token })).body.identities).toEqual([
      { method: 'lnurl', id: w.key },
    ]);
    const last = await call(server, 'DELETE', `/auth/identities/lnurl/${w.key}`, { token });
    expect(last.status).toBe(409);
    expect(
      (
        await call(server, 'POST', '/auth/me/set-initial-password', {
          token,
          body: { password: 'A-sturdy-password-9' },
        })
      ).status,
    ).toBe(200);
    const unlinked = await call(server, 'DELETE', `/auth/identities/lnurl/${w.key.toUpperCase()}`, { token });
    expect(unlinked.status).toBe(200);
    expect(unlinked.body.auth_methods).toEqual(['password']);
    expect(unlinked.body.identities).toEqual([]);
    // The key is free: it now makes a new account.
    const next = await call(server, 'GET', '/auth/lnurl');
    await callback(server, { tag: 'login', k1: next.body.k1, sig: w.sign(next.body.k1), key: w.key });
    const fresh = await call(server, 'GET', `/auth/lnurl/${next.body.k1}`);
    expect((await call(server, 'GET', '/auth/me', { token: fresh.body.access_token })).body.id).not.toBe(
      unlinked.body.id,
    );
  });
});
