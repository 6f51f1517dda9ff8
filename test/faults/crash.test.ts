import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startChild } from '../support/child.js';

/** A seeded PRNG (mulberry32): the kill moments and the mix of commands are the same on every run of a seed. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

interface Account {
  password: string;
  /** A password change sent but not answered when the process died: either password may be the one. */
  pending: string | null;
  token: string | null;
  acls: string[];
  aclTokens: string[];
  apiKeys: string[];
}

const request = async (
  url: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
) => {
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as any };
};

describe('crash safety under SIGKILL at random moments', () => {
  it('over 22 kills during mixed bursts, every acknowledged command survives and nothing is owned twice', async () => {
    const seed = Number(process.env.FAULT_SEED ?? 20261123);
    const random = prng(seed);
    console.log(`crash scenario seed ${seed} (FAULT_SEED=${seed} repeats it)`);
    const dataDir = mkdtempSync(join(tmpdir(), 'faults-crash-'));
    const accounts = new Map<string, Account>();
    const rounds = 22;
    let acknowledged = 0;

    /** After a restart: every acknowledged command is there, read through the read models. */
    const verify = async (url: string) => {
      for (const [username, account] of accounts) {
        let login = await request(url, 'POST', '/auth', { body: { username, password: account.password } });
        if (login.status !== 200 && account.pending) {
          login = await request(url, 'POST', '/auth', { body: { username, password: account.pending } });
          if (login.status === 200) account.password = account.pending;
        }
        expect(login.status, `login of ${username}`).toBe(200);
        account.pending = null;
        account.token = login.body.access_token;
        const acls = (await request(url, 'GET', '/auth/acls', { token: account.token! })).body.map(
          (a: { id: string }) => a.id,
        );
        expect(acls, `ACLs of ${username}`).toEqual(expect.arrayContaining(account.acls));
        for (const key of account.apiKeys)
          expect(
            (await request(url, 'GET', '/auth/me', { headers: { 'x-api-key': key } })).status,
            `API key of ${username}`,
          ).toBe(200);
        for (const token of account.aclTokens)
          expect(
            (await request(url, 'GET', `/auth/verify-token?token=${token}`)).body,
            `ACL token of ${username}`,
          ).toEqual({ valid: true });
      }
    };

    for (let round = 0; round < rounds; round += 1) {
      const child = await startChild({ DATA_DIR: dataDir });
      await verify(child.url);
      let killed = false;
      const killAfter = 40 + Math.floor(random() * 700);
      const killer = setTimeout(() => {
        killed = true;
        child.process.kill('SIGKILL');
      }, killAfter);
      const busy = new Set<string>();
      const step = async (worker: number) => {
        for (let n = 0; !killed && n < 40; n += 1) {
          const roll = random();
          const known = [...accounts.keys()].filter((u) => !busy.has(u) && accounts.get(u)!.token);
          try {
            if (roll < 0.4 || known.length === 0) {
              // Registrations race for a small pool of names: one wins each, the rest get 409.
              const username = `c${round}_${Math.floor(random() * 12)}`;
              const password = `Crash-pass-${round}-${worker}-${n}`;
              const answer = await request(child.url, 'POST', '/auth/register', { body: { username, password } });
              if (answer.status === 201) {
                expect(accounts.has(username), `${username} given twice`).toBe(false);
                accounts.set(username, {
                  password,
                  pending: null,
                  token: answer.body.access_token,
                  acls: [],
                  aclTokens: [],
                  apiKeys: [],
                });
                acknowledged += 1;
              } else expect(answer.status).toBe(409);
              continue;
            }
            const username = known[Math.floor(random() * known.length)]!;
            const account = accounts.get(username)!;
            busy.add(username);
            try {
              if (roll < 0.6) {
                const next = `Changed-pass-${round}-${worker}-${n}`;
                account.pending = next;
                const answer = await request(child.url, 'PUT', '/auth/update-password', {
                  token: account.token!,
                  body: { old_password: account.password, new_password: next },
                });
                expect(answer.status, JSON.stringify(answer.body)).toBe(200);
                account.password = next;
                account.pending = null;
              } else if (roll < 0.8) {
                const acl = await request(child.url, 'POST', '/auth/acls', {
                  token: account.token!,
                  body: { name: `acl${n}`, allowed_endpoints: ['GET /api/v1/auth/me'] },
                });
                expect(acl.status).toBe(201);
                account.acls.push(acl.body.id);
                acknowledged += 1;
                const token = await request(child.url, 'POST', `/auth/acls/${acl.body.id}/tokens`, {
                  token: account.token!,
                  body: {},
                });
                expect(token.status).toBe(201);
                account.aclTokens.push(token.body.token);
              } else {
                const key = await request(child.url, 'POST', '/auth/me/tokens', {
                  token: account.token!,
                  body: { name: `key${n}` },
                });
                expect(key.status).toBe(201);
                account.apiKeys.push(key.body.token);
              }
              acknowledged += 1;
            } finally {
              busy.delete(username);
            }
          } catch (error) {
            if (!killed) throw error; // only the requests the kill cut may fail
            return;
          }
        }
      };
      await Promise.all(Array.from({ length: 6 }, (_, worker) => step(worker)));
      clearTimeout(killer);
      if (!killed) child.process.kill('SIGKILL');
      await child.exited;
    }

    const last = await startChild({ DATA_DIR: dataDir });
    try {
      await verify(last.url);
    } finally {
      last.process.kill('SIGTERM');
      await last.exited;
    }
    expect(acknowledged).toBeGreaterThan(100);

    const db = new Database(join(dataDir, 'accounts.db'), { readonly: true });
    try {
      // No username is owned by two accounts: each claim stream has one holder among the registered accounts.
      const registered = db.prepare("SELECT data FROM events WHERE type = 'UserRegistered'").all() as {
        data: string;
      }[];
      const claims = registered.map((row) => (JSON.parse(row.data) as { usernameClaim: string }).usernameClaim);
      expect(new Set(claims).size).toBe(claims.length);
      // No checkpoint is ahead of the data it claims to have read.
      const head = (db.prepare('SELECT MAX(position) AS head FROM events').get() as { head: number }).head;
      const checkpoints = db.prepare('SELECT id, position FROM checkpoints').all() as {
        id: string;
        position: number;
      }[];
      expect(checkpoints.length).toBeGreaterThan(0);
      for (const checkpoint of checkpoints) expect(checkpoint.position, checkpoint.id).toBeLessThanOrEqual(head);
    } finally {
      db.close();
    }
    console.log(
      `crash scenario: ${rounds} kills, ${accounts.size} accounts, ${acknowledged} acknowledged commands, all present`,
    );
  });
});
