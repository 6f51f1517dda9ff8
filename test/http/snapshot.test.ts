import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SNAPSHOT_FILE } from '../../src/infra/snapshot/file.js';
import { call, register, startServer, type TestServer } from '../support/server.js';

/** The embedded read models saved at a clean stop and loaded at the next start (what `npm start` does). */
describe('read-model snapshot', () => {
  let servers: TestServer[] = [];
  afterEach(async () => {
    for (const server of servers) await server.close().catch(() => undefined);
    servers = [];
  });
  const start = async (dataDir: string, readModelSnapshot = true) => {
    const server = await startServer({}, { dataDir, readModelSnapshot });
    servers.push(server);
    return server;
  };
  const stop = async (server: TestServer) => {
    servers = servers.filter((s) => s !== server);
    await server.close();
  };

  it('is written at a clean stop, consumed at the next start, and the service answers as before; events after it are applied', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'snapshot-'));
    const first = await start(dataDir);
    const alice = await register(first, { email: 'alice@example.test' });
    await call(first, 'PUT', '/auth/me', { token: alice.token, body: { display_name: 'Alice A.' } });
    await stop(first);
    expect(existsSync(join(dataDir, SNAPSHOT_FILE))).toBe(true);

    // A process without the snapshot option (the CLI) appends meanwhile: the snapshot does not know it.
    const between = await start(dataDir, false);
    const bob = await register(between, { username: 'bob_between' });
    await stop(between);

    const second = await start(dataDir);
    expect(existsSync(join(dataDir, SNAPSHOT_FILE)), 'consumed: no personal data on disk while it runs').toBe(false);
    const me = await call(second, 'GET', '/auth', { token: alice.token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: alice.username, email: 'alice@example.test', display_name: 'Alice A.' });
    expect((await call(second, 'GET', '/auth', { token: bob.token })).body.username).toBe('bob_between');
    // The claims and lookups came back too: the name is taken, the login finds the account.
    expect(
      (
        await call(second, 'POST', '/auth/register', {
          body: { username: alice.username, password: 'Another-pass-123-q' },
        })
      ).status,
    ).toBe(409);
    expect(
      (await call(second, 'POST', '/auth', { body: { username: 'alice@example.test', password: alice.password } }))
        .status,
    ).toBe(200);
  });

  it('is ignored when the event store does not hold the event it was taken at, and the read models are built from the events', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'snapshot-other-'));
    const other = await start(elsewhere);
    await register(other, { username: 'carol_elsewhere' });
    await register(other, { username: 'dave_elsewhere' });
    await stop(other);

    const dataDir = mkdtempSync(join(tmpdir(), 'snapshot-'));
    const here = await start(dataDir, false);
    const erin = await register(here, { username: 'erin_here' });
    await stop(here);
    // Another data directory's snapshot dropped in: its marker names an event this store does not have.
    writeFileSync(join(dataDir, SNAPSHOT_FILE), readFileSync(join(elsewhere, SNAPSHOT_FILE)));

    const server = await start(dataDir);
    expect((await call(server, 'GET', '/auth', { token: erin.token })).body.username).toBe('erin_here');
    // Nothing of the foreign snapshot leaked in: the admin list (a read model) knows erin alone.
    const listed = await call(server, 'GET', '/admin/users', { token: erin.token });
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).toContain('erin_here');
    expect(JSON.stringify(listed.body)).not.toContain('elsewhere');
    expect(
      (
        await call(server, 'POST', '/auth/register', {
          body: { username: 'carol_elsewhere', password: 'Another-pass-123-q' },
        })
      ).status,
    ).toBe(201);
  });

  it('is sealed: no personal data in clear on disk, loading destroys its key (a copy cannot be loaded again), a half-written one is removed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'snapshot-'));
    const first = await start(dataDir);
    const gina = await register(first, { username: 'gina_sealed', email: 'gina.sealed@example.test' });
    await stop(first);
    const file = join(dataDir, SNAPSHOT_FILE);
    const bytes = readFileSync(file);
    for (const secret of ['gina_sealed', 'gina.sealed@example.test'])
      expect(bytes.includes(Buffer.from(secret)), secret).toBe(false);

    writeFileSync(`${file}.partial`, 'left by a save that died');
    const second = await start(dataDir);
    expect(existsSync(`${file}.partial`)).toBe(false);
    expect((await call(second, 'GET', '/auth', { token: gina.token })).body.email).toBe('gina.sealed@example.test');
    await stop(second);

    // The copy taken before the load cannot be opened any more (its key is gone): built from the events instead.
    writeFileSync(file, bytes);
    const lines: string[] = [];
    const third = await startServer(
      {},
      {
        dataDir,
        readModelSnapshot: true,
        logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }),
      },
    );
    servers.push(third);
    expect(lines.some((line) => line.includes('read-model snapshot not used'))).toBe(true);
    expect((await call(third, 'GET', '/auth', { token: gina.token })).body.email).toBe('gina.sealed@example.test');
  });

  it('a snapshot that cannot be read is ignored, not fatal', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'snapshot-'));
    const first = await start(dataDir, false);
    const frank = await register(first, { username: 'frank_garbled' });
    await stop(first);
    writeFileSync(join(dataDir, SNAPSHOT_FILE), 'not a snapshot at all');
    const server = await start(dataDir);
    expect((await call(server, 'GET', '/auth', { token: frank.token })).body.username).toBe('frank_garbled');
  });
});
