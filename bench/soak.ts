import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { apiCall, rssMb } from './lib.js';

/**
 * `npm run soak [-- --minutes 10 --rate 60]`: the built service in embedded mode as a child
 * process, under a steady mixed load (reads, logins, profile changes, ACLs and tokens, new
 * accounts) for the given time. It prints, every 30 s and at the end: answers by kind, error
 * answers (5xx, or a status no scenario expects), the child's RSS, and after the load stops how
 * long the read models take to reach the head. Run by hand, never in CI.
 */
const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '10' }, rate: { type: 'string', default: '60' } },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);

const dataDir = mkdtempSync(join(tmpdir(), 'soak-'));
const child = spawn(process.execPath, ['dist/src/main.js'], {
  env: {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    RATE_LIMIT_MAX: '0',
    LOG_LEVEL: 'info',
    BCRYPT_COST: process.env.BCRYPT_COST ?? '10',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('the service did not start')), 30_000);
  // Every line is read (so the pipe never fills); the "listening" one names the port.
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.includes('"listening"')) return;
    clearTimeout(timer);
    resolve(`http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`);
  });
});

const childRss = () => rssMb(child.pid!);
const api = (method: string, path: string, body?: unknown, token?: string) =>
  apiCall(url, method, path, body, token ? { authorization: `Bearer ${token}` } : {});

const admin = { username: 'soak_admin', password: 'Soak-admin-pass-1' };
const adminToken = (await api('POST', '/auth/register', admin)).body.access_token as string;
const users: { username: string; password: string; token: string }[] = [];
for (let i = 0; i < 50; i += 1) {
  const u = { username: `soak_${i}`, password: `Soak-pass-${i}-xyz` };
  users.push({ ...u, token: (await api('POST', '/auth/register', u)).body.access_token });
}

const counts = new Map<string, number>();
const errors: string[] = [];
const expect = (kind: string, status: number, ok: number[]) => {
  counts.set(kind, (counts.get(kind) ?? 0) + 1);
  if (!ok.includes(status)) errors.push(`${kind}: ${status}`);
};
let made = 0;
const scenarios: [number, () => Promise<void>][] = [
  [
    55,
    async () => {
      const u = users[Math.floor(Math.random() * users.length)]!;
      expect('GET /auth', (await api('GET', '/auth', undefined, u.token)).status, [200]);
    },
  ],
  [
    10,
    async () => {
      const u = users[Math.floor(Math.random() * users.length)]!;
      expect(
        'POST /auth (login)',
        (await api('POST', '/auth', { username: u.username, password: u.password })).status,
        [200],
      );
    },
  ],
  [
    15,
    async () => {
      const u = users[Math.floor(Math.random() * users.length)]!;
      expect(
        'PUT /auth/me',
        (await api('PUT', '/auth/me', { display_name: `Soak ${Date.now() % 1000}` }, u.token)).status,
        [200],
      );
    },
  ],
  [
    12,
    async () => {
      const u = users[Math.floor(Math.random() * users.length)]!;
      const acl = await api('POST', '/auth/acls', { name: 'soak', allowed_endpoints: ['GET /api/v1/auth'] }, u.token);
      expect('POST /auth/acls', acl.status, [201]);
      const token = await api('POST', `/auth/acls/${acl.body.id}/tokens`, {}, u.token);
      expect('POST …/tokens', token.status, [201]);
      expect('GET /auth (ACL token)', (await api('GET', '/auth', undefined, token.body.token)).status, [200]);
      expect(
        'DELETE /auth/acls/{id}',
        (await api('DELETE', `/auth/acls/${acl.body.id}`, undefined, u.token)).status,
        [200],
      );
    },
  ],
  [
    3,
    async () => {
      made += 1;
      expect(
        'POST /auth/register',
        (await api('POST', '/auth/register', { username: `soak_new_${made}`, password: `Soak-new-pass-${made}` }))
          .status,
        [201],
      );
    },
  ],
  [
    5,
    async () => {
      expect('GET /admin/projections', (await api('GET', '/admin/projections', undefined, adminToken)).status, [200]);
    },
  ],
];
const total = scenarios.reduce((sum, [weight]) => sum + weight, 0);
const pick = () => {
  let roll = Math.random() * total;
  for (const [weight, run] of scenarios) if ((roll -= weight) < 0) return run;
  return scenarios[0]![1];
};

const started = Date.now();
const until = started + minutes * 60_000;
const samples: { at: number; rss: number; requests: number }[] = [{ at: 0, rss: childRss(), requests: 0 }];
const inFlight = new Set<Promise<void>>();
const report = () => {
  const requests = [...counts.values()].reduce((a, b) => a + b, 0);
  samples.push({ at: Math.round((Date.now() - started) / 1000), rss: Math.round(childRss()), requests });
  const last = samples.at(-1)!;
  console.log(
    `${String(last.at).padStart(4)} s  ${String(requests).padStart(7)} requests  ${String(errors.length).padStart(3)} errors  RSS ${last.rss} MB`,
  );
};
const reporter = setInterval(report, 30_000);
while (Date.now() < until) {
  const tick = Date.now();
  for (let i = 0; i < rate / 10; i += 1) {
    const run = pick()().catch((error: unknown) => void errors.push(`exception: ${(error as Error).message}`));
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  }
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - tick))));
}
await Promise.all(inFlight);
clearInterval(reporter);
report();

// Projection lag after the load: how long until every read model reaches the head.
const stopped = Date.now();
let lagZeroMs = -1;
while (Date.now() - stopped < 30_000) {
  const list = (await api('GET', '/admin/projections', undefined, adminToken)).body as { lag: string }[];
  if (list.every((p) => p.lag === '0')) {
    lagZeroMs = Date.now() - stopped;
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
}
child.kill('SIGTERM');

const rss = samples.map((s) => s.rss);
const firstHalf = rss.slice(1, Math.ceil(rss.length / 2));
const secondHalf = rss.slice(Math.ceil(rss.length / 2));
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
console.log('\n| figure | value |\n|---|---|');
console.log(`| duration | ${minutes} min at ~${rate} operations/s |`);
console.log(`| requests answered | ${[...counts.values()].reduce((a, b) => a + b, 0)} |`);
console.log(`| error answers (5xx or unexpected) | ${errors.length} |`);
console.log(
  `| RSS first half / second half (mean) | ${mean(firstHalf).toFixed(0)} MB / ${mean(secondHalf).toFixed(0)} MB |`,
);
console.log(`| RSS min / max | ${Math.min(...rss)} MB / ${Math.max(...rss)} MB |`);
console.log(`| projection lag back to 0 after the load | ${lagZeroMs >= 0 ? `${lagZeroMs} ms` : 'not within 30 s'} |`);
console.log(`| measured | ${new Date().toISOString()}, Node ${process.version} |`);
if (errors.length) console.log('\nfirst errors:', [...new Set(errors)].slice(0, 10));
process.exit(errors.length ? 1 : 0);
