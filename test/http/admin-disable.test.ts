import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, type TestServer } from '../support/server.js';

describe('disabling an account (admin)', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('kills every token of the account at once: session, API key, ACL token; login answers 403 account_disabled', async () => {
    server = await startServer();
    const admin = await register(server);
    const user = await register(server);
    const userId = (await call(server, 'GET', '/auth/me', { token: user.token })).body.id;
    const key = (await call(server, 'POST', '/auth/me/tokens', { token: user.token, body: { name: 'k' } })).body.token;
    const acl = (
      await call(server, 'POST', '/auth/acls', {
        token: user.token,
        body: { name: 'a', allowed_endpoints: ['GET /api/v1/auth/me'] },
      })
    ).body;
    const aclToken = (await call(server, 'POST', `/auth/acls/${acl.id}/tokens`, { token: user.token, body: {} })).body
      .token;

    const disabled = await call(server, 'POST', `/admin/users/${userId}/disable`, { token: admin.token });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ id: userId, disabled: true });
    expect(disabled.headers.get('x-event-position')).toMatch(/^\d+$/);
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).status).toBe(401);
    expect((await call(server, 'GET', '/auth/me', { headers: { 'x-api-key': key } })).body.code).toBe(
      'account_disabled',
    );
    expect((await call(server, 'GET', '/auth/me', { token: aclToken })).body.code).toBe('account_disabled');
    expect((await call(server, 'GET', `/auth/verify-token?token=${key}`)).body).toEqual({ valid: false });
    const login = await call(server, 'POST', '/auth', { body: { username: user.username, password: user.password } });
    expect(login.status).toBe(403);
    expect(login.body.code).toBe('account_disabled');
    expect(
      (await call(server, 'POST', '/auth', { body: { username: user.username, password: 'Wrong-password-1' } })).status,
    ).toBe(401);

    const enabled = await call(server, 'POST', `/admin/users/${userId}/enable`, { token: admin.token });
    expect(enabled.body.disabled).toBe(false);
    expect(
      (await call(server, 'POST', '/auth', { body: { username: user.username, password: user.password } })).status,
    ).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { headers: { 'x-api-key': key } })).status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).status).toBe(401);
  });

  it('only an admin may; the superadmin cannot be disabled; unknown ids are 404', async () => {
    server = await startServer();
    const admin = await register(server);
    const user = await register(server);
    const adminId = (await call(server, 'GET', '/auth/me', { token: admin.token })).body.id;
    const userId = (await call(server, 'GET', '/auth/me', { token: user.token })).body.id;
    const denied = await call(server, 'POST', `/admin/users/${adminId}/disable`, { token: user.token });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('admin_only');
    const adminKey = (await call(server, 'POST', '/auth/me/tokens', { token: admin.token, body: { name: 'k' } })).body
      .token;
    expect(
      (await call(server, 'POST', `/admin/users/${userId}/disable`, { headers: { 'x-api-key': adminKey } })).body.code,
    ).toBe('forbidden');
    const last = await call(server, 'POST', `/admin/users/${adminId}/disable`, { token: admin.token });
    expect(last.status).toBe(409);
    expect(
      (await call(server, 'POST', '/admin/users/00000000-0000-4000-8000-000000000000/disable', { token: admin.token }))
        .status,
    ).toBe(404);
    expect((await call(server, 'POST', '/admin/users/not-a-uuid/disable', { token: admin.token })).status).toBe(400);
  });
});
