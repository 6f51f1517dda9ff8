import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startChild } from '../support/child.js';

const post = async (url: string, path: string, body: unknown) => {
  const response = await fetch(`${url}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
};

describe('crash safety', () => {
  it('SIGKILL during a burst of registrations loses no 201 and never gives a username twice', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'crash-'));
    const acknowledged = new Map<string, string>(); // username -> password
    const rounds = 4;
    for (let round = 0; round < rounds; round += 1) {
      const child = await startChild({ DATA_DIR: dataDir });
      const names = Array.from({ length: 40 }, (_, i) => `r${round}_n${i % 20}`); // each name raced twice
      let acked = 0;
      let killed = false;
      const attempts = names.map(async (username, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 3));
        const password = `Sturdy-pass-${round}-${i}`;
        try {
          const answer = await post(child.url, '/auth/register', { username, password });
          if (answer.status === 201) {
            expect(acknowledged.has(username)).toBe(false);
            acknowledged.set(username, password);
            acked += 1;
            if (acked === 12 && !killed) {
              killed = true;
              child.process.kill('SIGKILL');
            }
          } else if (answer.status !== 409) throw new Error(`unexpected ${answer.status}`);
        } catch (error) {
          if (!killed) throw error; // only requests cut by the kill may fail
        }
      });
      await Promise.all(attempts);
      if (!killed) child.process.kill('SIGKILL');
      await child.exited;
    }

    const child = await startChild({ DATA_DIR: dataDir });
    try {
      for (const [username, password] of acknowledged) {
        const login = await post(child.url, '/auth', { username, password });
        expect(login.status, username).toBe(200);
      }
    } finally {
      child.process.kill('SIGTERM');
      await child.exited;
    }

    // No username claim is held by two live accounts.
    const db = new Database(join(dataDir, 'accounts.db'), { readonly: true });
    const rows = db.prepare("SELECT stream, data FROM events WHERE type = 'UserRegistered'").all() as {
      stream: string;
      data: string;
    }[];
    db.close();
    const claims = rows.map((r) => (JSON.parse(r.data) as { usernameClaim: string }).usernameClaim);
    expect(new Set(claims).size).toBe(claims.length);
    expect(rows.length).toBeGreaterThanOrEqual(acknowledged.size);
    expect(acknowledged.size).toBeGreaterThanOrEqual(rounds * 12);
  }, 120_000);
});
