import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { call, startServer } from '../support/server.js';

/** Runs the built CLI (`npm run cli` runs the same file) against a data directory. */
const cli = (dataDir: string, ...args: string[]) => {
  const run = spawnSync(process.execPath, ['dist/src/cli.js', ...args], {
    env: { ...process.env, DATA_DIR: dataDir, BCRYPT_COST: '4', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
};

describe('the operator CLI', () => {
  it('create-admin, history, projections, rebuild with a progress bar, export, and clear errors', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'accounts-cli-'));
    const made = cli(
      dataDir,
      'create-admin',
      '--username',
      'root',
      '--email',
      'root@example.test',
      '--password',
      'Operator-pass-42',
    );
    expect(made.code, made.err).toBe(0);
    expect(made.out).toMatch(/^root \([0-9a-f-]{36}\) is an admin\n$/);

    // The service started on the same data signs the admin in, and sees it as an admin.
    const server = await startServer({}, { dataDir });
    const login = await call(server, 'POST', '/auth', { body: { username: 'root', password: 'Operator-pass-42' } });
    expect(login.status).toBe(200);
    const user = await call(server, 'POST', '/auth/register', {
      body: { username: 'alice', password: 'Wonderland-pass-1234', email: 'alice@example.test' },
    });
    expect(
      (await call(server, 'PUT', '/auth/me', { token: user.body.access_token, body: { display_name: 'Alice A.' } }))
        .body,
    ).toMatchObject({ display_name: 'Alice A.' });
    expect((await call(server, 'GET', '/admin/users', { token: login.body.access_token })).status).toBe(200);
    await server.close();

    // Whatever the registration mode: the operator makes admins.
    const closedDir = mkdtempSync(join(tmpdir(), 'accounts-cli-closed-'));
    const closedRun = (...args: string[]) =>
      spawnSync(process.execPath, ['dist/src/cli.js', ...args], {
        env: { ...process.env, DATA_DIR: closedDir, BCRYPT_COST: '4', REGISTRATION: 'closed' },
        encoding: 'utf8',
        timeout: 60_000,
      });
    expect(closedRun('create-admin', '--username', 'first', '--password', 'Operator-pass-42').status).toBe(0);
    const second = closedRun('create-admin', '--username', 'second', '--password', 'Operator-pass-43');
    expect(second.status, second.stderr).toBe(0);
    expect(JSON.parse(closedRun('history', 'second', '--json').stdout).state).toMatchObject({
      role: 'admin',
      must_reset_password: false,
    });

    // An existing account can be made an admin too.
    expect(cli(dataDir, 'create-admin', '--username', 'alice').out).toContain('alice');

    const history = cli(dataDir, 'history', 'alice', '--json');
    expect(history.code, history.err).toBe(0);
    const parsed = JSON.parse(history.out);
    expect(parsed.state).toMatchObject({ username: 'alice', display_name: 'Alice A.', is_admin: true });
    expect(parsed.events.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['UserRegistered', 'DisplayNameChanged', 'AdminGranted']),
    );
    expect(cli(dataDir, 'history', 'alice').out).toMatch(
      /DisplayNameChanged\s+[0-9a-f-]{36}\s+\S*\s+Display name changed/,
    );

    const status = cli(dataDir, 'projections');
    expect(status.out).toMatch(/^name\s+version\s+generation\s+position\s+head\s+lag\s+status/);
    expect(status.out).toMatch(/\nme\s+\d+\s+\d+\s+(\d+)\s+\1\s+0\s+live/);

    const rebuild = cli(dataDir, 'rebuild', 'me');
    expect(rebuild.code, rebuild.err).toBe(0);
    expect(rebuild.out).toMatch(/me: \d+ events in [\d.]+ s \(\d+ events\/s\)/);

    const out = join(dataDir, 'alice.json');
    expect(cli(dataDir, 'export', 'alice', '--out', out).code).toBe(0);
    expect(cli(dataDir, 'export', 'alice', '--out', out).err).toContain('EEXIST');
    const exported = JSON.parse(readFileSync(out, 'utf8'));
    expect(exported.account).toMatchObject({ username: 'alice', email: 'alice@example.test' });
    expect(exported.sessions.length).toBeGreaterThan(0);
    expect(exported.events.find((e: { type: string }) => e.type === 'UserRegistered').data).toMatchObject({
      username: 'alice',
      passwordHash: '[secret]',
    });
    expect(JSON.stringify(exported)).not.toMatch(/\$2[aby]\$/);

    // A backup is a working data directory of its own.
    const copyDir = mkdtempSync(join(tmpdir(), 'accounts-restore-'));
    const backup = cli(dataDir, 'backup', join(copyDir, 'accounts.db'));
    expect(backup.code, backup.err).toBe(0);
    expect(cli(dataDir, 'backup', join(copyDir, 'accounts.db')).err).toContain('exists');
    const restored = cli(copyDir, 'history', 'alice', '--json');
    expect(JSON.parse(restored.out).state).toMatchObject({ username: 'alice', display_name: 'Alice A.' });

    const unknown = cli(dataDir, 'rebuild', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no projection named nope');
    expect(cli(dataDir, 'history', 'nobody').err).toContain('No account');
    expect(cli(dataDir, 'frobnicate').code).not.toBe(0);
  }, 120_000);

  it('rebuild, offline with API_PROCESSES=2, rebuilds the read-models file of every process', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'accounts-cli-processes-'));
    const run = spawnSync(process.execPath, ['dist/src/cli.js', 'rebuild', 'sessions'], {
      env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', API_PROCESSES: '2' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('read models of API process 1 of 2');
    expect(run.stdout).toContain('read models of API process 2 of 2');
    for (const file of ['read-models.db', 'read-models.2.db']) {
      const db = new Database(join(dataDir, file), { readonly: true });
      try {
        const row = db.prepare('SELECT doc FROM "c:_projections" WHERE _id = ?').get('sessions') as { doc: Buffer };
        expect(deserialize(row.doc), file).toMatchObject({ generation: 2 });
      } finally {
        db.close();
      }
    }
  }, 120_000);
});
