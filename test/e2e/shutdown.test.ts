import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startChild } from '../support/child.js';

describe('graceful shutdown', () => {
  it('on SIGTERM stops taking requests, finishes the one in flight, closes the stores and exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'accounts-shutdown-'));
    // A high bcrypt cost keeps the registration in flight while the signal arrives.
    const child = await startChild({ DATA_DIR: dataDir, BCRYPT_COST: '13' });
    const body = JSON.stringify({ username: 'in_flight', password: 'A-sturdy-password-1' });
    const inFlight = fetch(`${child.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    child.process.kill('SIGTERM');
    const answer = await inFlight;
    expect(answer.status).toBe(201);
    expect(((await answer.json()) as { access_token: string }).access_token).toEqual(expect.any(String));
    expect(await child.exited).toBe(0);
    await expect(fetch(`${child.url}/healthz`)).rejects.toThrow();

    // The answered registration was durable: a restart on the same data has the account.
    const again = await startChild({ DATA_DIR: dataDir });
    const login = await fetch(`${again.url}/api/v1/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'in_flight', password: 'A-sturdy-password-1' }),
    });
    expect(login.status).toBe(200);
    again.process.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, 60_000);
});
