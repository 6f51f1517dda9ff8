import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, type TestServer } from '../support/server.js';

/** The embedded read models live in DATA_DIR/read-models.db, behind a cache of at most READ_CACHE_DOCUMENTS documents. */
describe('embedded read models in their own file', () => {
  let servers: TestServer[] = [];
  afterEach(async () => {
    for (const server of servers) await server.close().catch(() => undefined);
    servers = [];
  });
  const start = async (dataDir: string, env: Record<string, string> = {}) => {
    const server = await startServer(env, { dataDir });
    servers.push(server);
    return server;
  };
  const stop = async (server: TestServer) => {
    servers = servers.filter((s) => s !== server);
    await server.close();
  };
  const cachedDocuments = async (server: TestServer) => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = /^accounts_read_cache_documents (\d+)$/m.exec(text);
    expect(line, 'the gauge is exported').not.toBeNull();
    return Number(line![1]);
  };

  it('keeps at most READ_CACHE_DOCUMENTS documents in memory while more accounts than that are written and read, and answers right', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'read-cache-'));
    const bound = 12;
    const server = await start(dataDir, { READ_CACHE_DOCUMENTS: String(bound) });
    const admin = await register(server);
    const people = [];
    for (let i = 0; i < 15; i += 1) {
      people.push(await register(server, { display_name: `Person ${i}` }));
      expect(await cachedDocuments(server)).toBeLessThanOrEqual(bound);
    }
    let peak = 0;
    for (const [i, person] of people.entries()) {
      const me = await call(server, 'GET', '/auth', { token: person.token });
      expect(me.body).toMatchObject({ username: person.username, display_name: `Person ${i}` });
      peak = Math.max(peak, await cachedDocuments(server));
      expect(peak).toBeLessThanOrEqual(bound);
    }
    expect(peak, 'the cache is used').toBeGreaterThan(0);
    // A listing reads every account from the file.
    const listed = await call(server, 'GET', '/admin/users?limit=100', { token: admin.token });
    expect(listed.body.users).toHaveLength(16);
    expect(await cachedDocuments(server)).toBeLessThanOrEqual(bound);

    // A restart reads the same file: every account is there at once.
    await stop(server);
    expect(existsSync(join(dataDir, 'read-models.db'))).toBe(true);
    const again = await start(dataDir, { READ_CACHE_DOCUMENTS: String(bound) });
    for (const [i, person] of people.entries())
      expect((await call(again, 'GET', '/auth', { token: person.token })).body.display_name).toBe(`Person ${i}`);
    const status = await call(again, 'GET', '/admin/projections/me', { token: admin.token });
    expect(status.body).toMatchObject({ processed: 0 });
    expect(status.body.position).toBe(status.body.head_position);
  });

  it('built against another event store (accounts.db replaced), the read models are built again from this one: nothing of the other is served', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'read-models-other-'));
    const other = await start(elsewhere);
    const carol = await register(other, { username: 'carol_elsewhere' });
    await stop(other);

    const dataDir = mkdtempSync(join(tmpdir(), 'read-models-'));
    const here = await start(dataDir);
    await register(here, { username: 'erin_here' });
    await stop(here);
    // The events of the other directory, beside read models built from this one's.
    copyFileSync(join(elsewhere, 'accounts.db'), join(dataDir, 'accounts.db'));

    const server = await start(dataDir);
    const listed = await call(server, 'GET', '/admin/users', { token: carol.token });
    expect(listed.status).toBe(200);
    expect(listed.body.users.map((u: { username: string }) => u.username)).toEqual(['carol_elsewhere']);
    // The lookups were built again too: the name erin had here is free.
    expect(
      (
        await call(server, 'POST', '/auth/register', {
          body: { username: 'erin_here', password: 'Another-pass-123-q' },
        })
      ).status,
    ).toBe(201);
  });
});
