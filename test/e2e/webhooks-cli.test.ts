import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { call, register, startServer } from '../support/server.js';
import { ofType, type Receiver, startReceiver } from '../support/webhook-receiver.js';

/**
 * Runs the built CLI (`npm run cli` runs the same file) against a data directory; asynchronously,
 * as the server it may call runs in this very process.
 */
const cli = (dataDir: string, ...args: string[]) =>
  new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, ['dist/src/cli.js', 'webhooks', ...args], {
      env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
const env = { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true' };

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

describe('the webhooks CLI', () => {
  it('lists endpoints and deliveries, and asks for a replay the service carries out when it starts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'accounts-webhooks-cli-'));
    let server = await startServer(env, { dataDir });
    const admin = (await register(server)).token;
    const made = await call(server, 'POST', '/admin/webhooks', {
      token: admin,
      body: { url: receiver.url, events: ['user.created'] },
    });
    const endpoint = made.body.id as string;
    await register(server);
    const first = await receiver.waitFor(ofType('user.created'));

    // Against the running server.
    const remote = await cli(dataDir, 'deliveries', endpoint, '--url', server.url, '--token', admin);
    expect(remote.code, remote.err).toBe(0);
    expect(remote.out).toContain('user.created');
    await server.close();

    // Here, with the server stopped.
    const list = await cli(dataDir, 'list');
    expect(list.code, list.err).toBe(0);
    expect(list.out).toContain(endpoint);
    expect(list.out).toContain(receiver.url);
    const deliveries = await cli(dataDir, 'deliveries', endpoint, '--status', 'delivered');
    expect(deliveries.code, deliveries.err).toBe(0);
    expect(deliveries.out).toMatch(/user\.created\s+\d+\s+delivered\s+1/);
    expect((await cli(dataDir, 'deliveries', endpoint, '--status', 'lost')).err).toContain('--status must be one of');
    expect((await cli(dataDir, 'replay', endpoint)).err).toContain('give one of --from-position and --from-time');
    expect((await cli(dataDir, 'replay', endpoint, '--from-position', '999999')).err).toContain(
      'is beyond the newest event',
    );
    const replay = await cli(dataDir, 'replay', endpoint, '--from-position', '0');
    expect(replay.code, replay.err).toBe(0);
    expect(replay.out).toContain('carries the replay out');

    // The service starts, and the replay sends the event again with its original id.
    receiver.clear();
    server = await startServer(env, { dataDir });
    // From the first position: the admin's own creation too, made before the endpoint was.
    await receiver.waitFor((r) => r.headers['webhook-id'] === first.headers['webhook-id']);
    await vi.waitFor(() => expect(receiver.received.filter(ofType('user.created'))).toHaveLength(2), {
      timeout: 10_000,
    });
    await server.close();
  });
});
