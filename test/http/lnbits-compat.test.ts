import { createHash } from 'node:crypto';
import { finalizeEvent, generateSecretKey } from 'nostr-tools/pure';
import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, type TestServer } from '../support/server.js';

/** A NIP-98 event for `url`, with extra tags (a `payload`). */
const signed = (secret: Uint8Array, url: string, extra: string[][] = []) =>
  finalizeEvent(
    {
      kind: 27235,
      created_at: Math.floor(Date.now() / 1000),
      tags: [['u', url], ['method', 'POST'], ['nonce', Math.random().toString(36).slice(2)], ...extra],
      content: '',
    },
    secret,
  );
const base64 = (event: object) => Buffer.from(JSON.stringify(event)).toString('base64');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('what LNbits clients send', () => {
  let server: TestServer;
  afterEach(() => server?.close());
  const loginUrl = () => `${server.service.config.publicUrl}/api/v1/auth/nostr`;

  it('the NIP-98 scheme in any case; a payload tag must be the SHA-256 of the body', async () => {
    server = await startServer();
    const secret = generateSecretKey();
    const lower = await call(server, 'POST', '/auth/nostr', {
      headers: { authorization: `nostr ${base64(signed(secret, loginUrl()))}` },
    });
    expect(lower.status).toBe(201);
    const body = JSON.stringify({ totp_code: undefined });
    const bound = await call(server, 'POST', '/auth/nostr', {
      headers: {
        authorization: `NOSTR ${base64(signed(secret, loginUrl(), [['payload', sha256(body)]]))}`,
        'content-type': 'application/json',
      },
      raw: body,
    });
    expect(bound.status).toBe(200);
    const other = await call(server, 'POST', '/auth/nostr', {
      headers: {
        authorization: `Nostr ${base64(signed(secret, loginUrl(), [['payload', sha256('{"something":"else"}')]]))}`,
        'content-type': 'application/json',
      },
      raw: body,
    });
    expect([other.status, other.body.code]).toEqual([401, 'invalid_credentials']);
    expect(other.body.detail).toContain('payload');
  });

  it('an ACL may start empty (it allows nothing); ACLs are listed by name; a wrong password as the proof is 401', async () => {
    server = await startServer();
    const user = await register(server);
    for (const name of ['zeta', 'alpha', 'mid'])
      expect(
        (await call(server, 'POST', '/auth/acls', { token: user.token, body: { name, allowed_endpoints: [] } })).status,
      ).toBe(201);
    const listed = (await call(server, 'GET', '/auth/acls', { token: user.token })).body;
    expect(listed.map((acl: { name: string }) => acl.name)).toEqual(['alpha', 'mid', 'zeta']);
    const wrong = await call(server, 'POST', '/auth/acls', {
      token: user.token,
      body: { name: 'x', allowed_endpoints: [], password: 'Not-my-password-1' },
    });
    expect([wrong.status, wrong.body.code]).toEqual([401, 'invalid_credentials']);
    expect((await call(server, 'GET', '/auth/acls', { token: user.token })).body).toHaveLength(3);
  });

  it('an admin cannot sign in with the user key alone (403 usr_login_not_allowed_for_admin); a user can', async () => {
    server = await startServer();
    const admin = await register(server); // the first account: superadmin
    const user = await register(server);
    const refused = await call(server, 'POST', '/auth/usr', { body: { usr: admin.answer.body.usr } });
    expect([refused.status, refused.body.code]).toEqual([403, 'usr_login_not_allowed_for_admin']);
    expect((await call(server, 'POST', '/auth/usr', { body: { usr: user.answer.body.usr } })).status).toBe(200);
    // A wrong key says nothing about admins.
    expect((await call(server, 'POST', '/auth/usr', { body: { usr: 'f'.repeat(64) } })).body.code).toBe(
      'invalid_credentials',
    );
  });
});
