import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startChild, type ChildServer } from '../support/child.js';

const EVENTS = 10_000;

const request = async (url: string, method: string, path: string, options: { body?: unknown; token?: string } = {}) => {
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as any };
};

const run = (dataDir: string, script: string, ...args: string[]) => {
  const done = spawnSync(process.execPath, [script, ...args], {
    env: { ...process.env, DATA_DIR: dataDir, BCRYPT_COST: '4', EMBEDDED_SYNC: 'normal' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(done.status, done.stderr).toBe(0);
};

/** Whether the read models' file holds a committed checkpoint (read on a connection of its own: committed data only). */
const committedCheckpoint = (dataDir: string): boolean => {
  const file = join(dataDir, 'read-models.db');
  if (!existsSync(file)) return false;
  const db = new Database(file);
  try {
    return (db.prepare('SELECT count(*) AS n FROM "c:_checkpoints"').get() as { n: number }).n > 0;
  } catch {
    return false; // not created yet
  } finally {
    db.close();
  }
};

const kill = async (child: { process: ChildServer['process']; exited: Promise<unknown> }) => {
  child.process.kill('SIGKILL');
  await child.exited;
};

describe('embedded read models after a crash', () => {
  it('SIGKILL mid catch-up and after answered writes: the restart resumes from the committed checkpoints, and every read model is right', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'read-models-crash-'));
    run(dataDir, 'dist/src/cli.js', 'create-admin', '--username', 'root', '--password', 'Operator-pass-42');
    // Accounts of ten events each: registered, user key, a session, seven display names ("Seed i v0".."v6").
    run(dataDir, 'dist/bench/seed-events.js', '--events', String(EVENTS));
    // The read models built so far go: the next start builds them from the first event.
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dataDir, `read-models.db${suffix}`), { force: true });

    // Killed as soon as a first batch of documents and checkpoints is committed, while it catches up
    // (or, on a machine fast enough to finish first, once it listens).
    const building = spawn(process.execPath, ['dist/src/main.js'], {
      env: { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const exited = new Promise((resolve) => building.on('exit', resolve));
    let listening = false;
    building.stdout.on('data', (chunk: Buffer) => (listening ||= chunk.toString().includes('"msg":"listening"')));
    while (!listening && !committedCheckpoint(dataDir)) await new Promise((resolve) => setTimeout(resolve, 5));
    await kill({ process: building, exited });

    let child = await startChild({ DATA_DIR: dataDir });
    try {
      const login = await request(child.url, 'POST', '/auth', {
        body: { username: 'root', password: 'Operator-pass-42' },
      });
      expect(login.status).toBe(200);
      const admin = login.body.access_token as string;
      const status = async (url: string) => (await request(url, 'GET', '/admin/projections/me', { token: admin })).body;

      const resumed = await status(child.url);
      expect(resumed.position).toBe(resumed.head_position);
      // Only the events after the committed checkpoint were applied again, not all of them.
      expect(resumed.processed).toBeGreaterThan(0);
      expect(resumed.processed).toBeLessThan(Number(resumed.head_position));

      // Every account is there once, with the last of its seven names.
      const listed = await request(child.url, 'GET', '/admin/users?q=seed_999', { token: admin });
      expect(listed.body.users.map((u: { username: string }) => u.username)).toEqual(['seed_999']);
      const seeded = await request(child.url, 'GET', `/admin/users/${listed.body.users[0].id}`, { token: admin });
      expect(seeded.body).toMatchObject({ username: 'seed_999', display_name: 'Seed 999 v6' });

      // Answered writes, then a kill at once: the last of them may not be committed yet.
      const alice = await request(child.url, 'POST', '/auth/register', {
        body: { username: 'alice_late', password: 'Wonderland-pass-1234' },
      });
      expect(alice.status).toBe(201);
      const renamed = await request(child.url, 'PUT', '/auth/me', {
        token: alice.body.access_token,
        body: { display_name: 'Alice, after the crash' },
      });
      expect(renamed.status).toBe(200);
      await kill(child);

      child = await startChild({ DATA_DIR: dataDir });
      const again = await status(child.url);
      expect(again.position).toBe(again.head_position);
      expect(again.processed).toBeLessThan(Number(again.head_position) - EVENTS);
      const me = await request(child.url, 'GET', '/auth', { token: alice.body.access_token });
      expect(me.body).toMatchObject({ username: 'alice_late', display_name: 'Alice, after the crash' });
    } finally {
      await kill(child);
    }
  }, 240_000);
});
