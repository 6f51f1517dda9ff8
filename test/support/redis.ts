import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Is `redis-server` on PATH? */
export const redisAvailable: boolean = (process.env.PATH ?? '').split(delimiter).some((dir) => {
  if (!dir) return false;
  try {
    accessSync(join(dir, 'redis-server'), constants.X_OK);
    return true;
  } catch {
    return false;
  }
});

/**
 * For `describe.skipIf(!requireRedis())`. Without redis-server a local run skips the Redis tests
 * with a loud warning; CI (CI=true) fails instead, since it must run them.
 */
export function requireRedis(): boolean {
  if (redisAvailable) return true;
  const message = 'redis-server is not on PATH: the Redis-backed tests cannot run (apt-get install redis-server).';
  if (process.env.CI === 'true') throw new Error(message);
  process.stderr.write(
    `\n${'!'.repeat(100)}\n!!! ${message}\n!!! They are SKIPPED. CI runs them and fails without it.\n${'!'.repeat(100)}\n\n`,
  );
  return false;
}

export interface RedisServer {
  url: string;
  port: number;
  /** Graceful shutdown (SIGTERM: Redis finishes its writes and exits). */
  stop(): Promise<void>;
  /** Stops, then starts again on the same port and directory (so an append-only file is reloaded). */
  restart(): Promise<void>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

/** One PING over a raw socket: true on +PONG (not while Redis is still loading its data). */
const ping = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Starts a real redis-server on a free port of 127.0.0.1, in a temporary directory. */
export async function startRedis(options: { appendOnly?: boolean } = {}): Promise<RedisServer> {
  if (!redisAvailable) throw new Error('redis-server is not on PATH');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--daemonize',
    'no',
    '--logfile',
    '',
    '--loglevel',
    'warning',
    ...(options.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
  ];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const start = async () => {
    output = '';
    const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    children.add(started);
    started.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let gone = false;
    exited = new Promise((resolve) =>
      started.on('exit', () => {
        gone = true;
        children.delete(started);
        if (child === started) child = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + 10_000;
    while (!(await ping(port))) {
      if (gone) throw new Error(`redis-server exited at start: ${output}`);
      if (Date.now() > deadline) {
        started.kill('SIGKILL');
        throw new Error(`redis-server did not answer PING on port ${port}: ${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  const signal = async (name: NodeJS.Signals) => {
    if (!child) return;
    child.kill(name);
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    async restart() {
      await signal('SIGTERM');
      await start();
    },
  };
}
