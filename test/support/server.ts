import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createService, type Service } from '../../src/service.js';
import { describeApi } from '../../src/http/routes/ops.js';
import { checkAnswers } from './contract.js';

/** A clock the test moves by hand. */
export class TestClock {
  constructor(private current = new Date('2026-11-23T10:00:00.000Z')) {}
  now = () => new Date(this.current);
  advance(ms: number) {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface TestServer {
  url: string;
  api: string;
  service: Service;
  dataDir: string;
  clock: TestClock;
  /** Answers that were not as /openapi.json documents them (see contract.ts): `call()` and `close()` throw them. */
  undocumented: string[];
  close(): Promise<void>;
}

/** A real service listening on 127.0.0.1 with its own data dir; bcrypt at the lowest cost. */
export async function startServer(
  env: Record<string, string> = {},
  options: { dataDir?: string; clock?: TestClock; logger?: Logger; appendThread?: URL } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'accounts-test-'));
  const clock = options.clock ?? new TestClock(new Date());
  // Per-IP limits are off by default here (every test request comes from 127.0.0.1); their own test turns them on.
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    BCRYPT_COST: '4',
    BCRYPT_THREADS: '2',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MAX: '0',
    ...env,
  });
  const service = await createService(config, {
    clock: clock.now,
    logger: options.logger ?? pino({ level: 'silent' }),
    appendThread: options.appendThread,
  });
  const undocumented: string[] = [];
  checkAnswers(
    service.http as unknown as Parameters<typeof checkAnswers>[0],
    () => describeApi(service.routeTable, config.publicUrl),
    (problems) => {
      // CONTRACT_REPORT=<file>: every undocumented answer of a run goes to the file instead of failing its test.
      if (process.env.CONTRACT_REPORT) appendFileSync(process.env.CONTRACT_REPORT, `${problems.join('\n')}\n`);
      else undocumented.push(...problems);
    },
  );
  const port = await service.listen();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    api: `${url}/api/v1`,
    service,
    dataDir,
    clock,
    undocumented,
    close: async () => {
      await service.close();
      throwUndocumented(undocumented);
    },
  };
}

/** Fails the test with the answers that were not as documented (and forgets them). */
export function throwUndocumented(undocumented: string[]) {
  if (undocumented.length === 0) return;
  const problems = undocumented.splice(0);
  throw new Error(`Answers the OpenAPI document does not describe:\n${problems.join('\n')}`);
}

/** A port that was free a moment ago, for a server whose PUBLIC_URL must be known before it starts. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A server whose PUBLIC_URL is its own address (redirects back to it must work). */
export async function startPublicServer(
  env: Record<string, string> = {},
  options: { dataDir?: string; clock?: TestClock } = {},
): Promise<TestServer> {
  const port = await freePort();
  return startServer({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ...env }, options);
}

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** JSON requests against a running server. */
export async function call<T = any>(
  server: TestServer,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string>; raw?: string | Buffer } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Buffer | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  // `/auth…` paths are API paths; anything else (`/healthz`, `/api/v1/…`) is taken as given.
  const base = path.startsWith('/auth') || path.startsWith('/admin') ? server.api : server.url;
  const response = await fetch(`${base}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  throwUndocumented(server.undocumented);
  return { status: response.status, body: parsed as T, headers: response.headers };
}

let counter = 0;
/** A fresh, valid registration body. */
export const newUser = (overrides: Record<string, unknown> = {}) => {
  counter += 1;
  const id = `${process.pid}${counter}${Math.random().toString(36).slice(2, 6)}`;
  return { username: `user_${id}`, password: `Sturdy-pass-${id}`, email: `u${id}@example.test`, ...overrides };
};

export async function register(
  server: TestServer,
  overrides: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const body = newUser(overrides);
  const answer = await call(server, 'POST', '/auth/register', { body, headers });
  if (answer.status !== 201) throw new Error(`register failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return { ...body, token: answer.body.access_token as string, answer };
}
