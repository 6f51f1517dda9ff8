import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startChild } from '../support/child.js';
import { codeIn, waitForMail } from '../support/mail.js';
import { requireRedis, startRedis } from '../support/redis.js';

const post = async (url: string, path: string, body: unknown) => {
  const response = await fetch(`${url}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
};

describe('npm run worker', () => {
  it('refuses to start without REDIS_URL, naming why', async () => {
    const child = spawn(process.execPath, ['dist/src/worker-main.js'], {
      env: { ...process.env, REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('REDIS_URL');
  });

  it.skipIf(!requireRedis())(
    'a worker process sends the mails an API server with WORKERS=off enqueued',
    async () => {
      const redis = await startRedis();
      const dataDir = mkdtempSync(join(tmpdir(), 'worker-'));
      const env = { DATA_DIR: dataDir, REDIS_URL: redis.url };
      const api = await startChild({ ...env, WORKERS: 'off' });
      const worker = spawn(process.execPath, ['dist/src/worker-main.js'], {
        env: { ...process.env, ...env, BCRYPT_COST: '4', LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let workerOutput = '';
      worker.stderr!.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));
      const workerExited = new Promise((resolve) => worker.on('exit', resolve));
      try {
        expect((await post(api.url, '/auth/send-code', { email: 'worker@example.test' })).status).toBe(202);
        const mail = await waitForMail(dataDir, 'worker@example.test', { timeoutMs: 20_000 }).catch((error: Error) => {
          throw new Error(`${error.message}; worker said: ${workerOutput}`);
        });
        const code = codeIn(mail);
        expect((await post(api.url, '/auth/verify-code', { email: 'worker@example.test', code })).status).toBe(201);
      } finally {
        worker.kill('SIGTERM');
        api.process.kill('SIGTERM');
        await api.exited;
        await workerExited;
        await redis.stop();
      }
    },
    60_000,
  );
});
