import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, TestClock, type TestServer } from '../support/server.js';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

describe('sessions a person recognises', () => {
  let server: TestServer | undefined;
  afterEach(async () => server?.close());

  it('lists each session with its device, way in, network, start, last use (kept across a restart) and which is current', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    const user = await register(server);
    const firefox = await call(server, 'POST', '/auth', {
      headers: { 'user-agent': FIREFOX },
      body: { username: user.username, password: user.password },
    });
    clock.advance(5 * 60_000);
    expect((await call(server, 'GET', '/auth/me', { token: firefox.body.access_token })).status).toBe(200);
    const list = async (token: string) => (await call(server!, 'GET', '/auth/sessions', { token })).body;
    const listed = await list(user.token);
    const mine = listed.find((s: { id: string; current: boolean }) => s.current);
    const other = listed.find((s: { device: string }) => s.device === 'Firefox 128 on Linux');
    expect(other).toMatchObject({ method: 'password', network: '127.0.0.0/24', current: false });
    expect(other.last_used_at).toBe(clock.now().toISOString());
    expect(other.last_used_at).not.toBe(other.created_at);
    expect(mine.method).toBe('register');
    // An admin (the first account is the superadmin) sees the same on the user.
    const seen = await call(
      server,
      'GET',
      `/admin/users/${(await call(server, 'GET', '/auth/me', { token: user.token })).body.id}/sessions`,
      {
        token: user.token,
      },
    );
    expect(seen.body.map((s: { id: string }) => s.id).sort()).toEqual(listed.map((s: { id: string }) => s.id).sort());
    expect(seen.body.every((s: { current: boolean }) => !s.current)).toBe(true);

    // A clean restart keeps the last uses (the usage store, written at most once a minute).
    const dataDir = server.dataDir;
    await server.close();
    server = await startServer({}, { dataDir, clock });
    const again = (await list(user.token)).find((s: { id: string }) => s.id === other.id);
    expect(again.last_used_at).toBe(other.last_used_at);
  });

  it('DELETE /auth/sessions?others=true ends every session but this one', async () => {
    server = await startServer();
    const user = await register(server);
    const signIn = async () =>
      (await call(server!, 'POST', '/auth', { body: { username: user.username, password: user.password } })).body
        .access_token as string;
    const [a, b] = [await signIn(), await signIn()];
    const ended = await call(server, 'DELETE', '/auth/sessions?others=true', { token: a });
    expect(ended.body).toEqual({ detail: 'Other sessions ended', ended: 2 });
    expect((await call(server, 'GET', '/auth/me', { token: b })).status).toBe(401);
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).status).toBe(401);
    expect((await call(server, 'GET', '/auth/sessions', { token: a })).body).toHaveLength(1);
    expect((await call(server, 'DELETE', '/auth/sessions', { token: a })).status).toBe(400);
  });
});
