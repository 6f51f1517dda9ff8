import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, TestClock, type TestServer } from '../support/server.js';

describe("a person's own data export", () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('a recent session downloads everything the account holds, never a secret, and the export is in its history', async () => {
    server = await startServer({}, { clock: new TestClock() });
    const user = await register(server);
    const acl = await call(server, 'POST', '/auth/acls', {
      token: user.token,
      body: { name: 'reader', allowed_endpoints: ['GET /x'] },
    });
    const aclToken = await call(server, 'POST', `/auth/acls/${acl.body.id}/tokens`, { token: user.token, body: {} });
    const apiKey = await call(server, 'POST', '/auth/me/tokens', { token: user.token, body: { name: 'ci' } });
    const response = await fetch(`${server.api}/auth/me/export`, {
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="account-\d{4}-\d{2}-\d{2}\.json"$/,
    );
    const data = (await response.json()) as Record<string, any>;
    expect(data.account).toMatchObject({ username: user.username, email: user.email });
    expect(data.sessions).toHaveLength(1);
    expect(data.acls).toEqual([
      expect.objectContaining({
        id: acl.body.id,
        name: 'reader',
        tokens: [expect.objectContaining({ id: aclToken.body.id })],
      }),
    ]);
    expect(data.api_keys).toEqual([expect.objectContaining({ name: 'ci' })]);
    const types = data.history.map((entry: { type: string }) => entry.type);
    expect(types).toEqual(expect.arrayContaining(['UserRegistered', 'SessionStarted', 'DataExported']));
    expect(data.history[0].metadata).toHaveProperty('ip');
    // No secret or hash: not the password's hash, the user key, an ACL token or an API key.
    const text = JSON.stringify(data);
    for (const secret of [user.answer.body.usr, aclToken.body.token, apiKey.body.token, '$2'])
      expect(text).not.toContain(secret);
    expect(text).not.toMatch(/"(passwordHash|usrHash|tokenHash)":"[^[]/);
  });

  it('needs a session proven within REAUTH_WINDOW, and is limited to five an hour', async () => {
    server = await startServer({}, { clock: new TestClock() });
    const user = await register(server);
    for (let i = 0; i < 5; i += 1)
      expect((await call(server, 'GET', '/auth/me/export', { token: user.token })).status).toBe(200);
    const limited = await call(server, 'GET', '/auth/me/export', { token: user.token });
    expect([limited.status, limited.body.code]).toEqual([429, 'rate_limited']);
    server.clock.advance(11 * 60_000);
    const stale = await call(server, 'GET', '/auth/me/export', { token: user.token });
    expect([stale.status, stale.body.code]).toEqual([403, 'reauth_required']);
  });
});
