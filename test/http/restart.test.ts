import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, type TestServer } from '../support/server.js';

describe('state comes back from the event log', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('after a restart the same token and the same login still work, and sessions are kept', async () => {
    server = await startServer();
    const user = await register(server, { display_name: 'Persistent' });
    await call(server, 'PUT', '/auth/me', { token: user.token, body: { display_name: 'Still Here' } });
    const jwks = (await call(server, 'GET', '/.well-known/jwks.json')).body;
    const dataDir = server.dataDir;
    await server.close();

    server = await startServer({}, { dataDir });
    const me = await call(server, 'GET', '/auth', { token: user.token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: user.username, display_name: 'Still Here', is_admin: true });
    expect(
      (await call(server, 'POST', '/auth', { body: { username: user.username, password: user.password } })).status,
    ).toBe(200);
    expect((await call(server, 'GET', '/.well-known/jwks.json')).body).toEqual(jwks);
    expect((await call(server, 'GET', '/auth/setup-status')).body.setup_done).toBe(true);
    expect((await call(server, 'GET', '/readyz')).status).toBe(200);
  });
});
