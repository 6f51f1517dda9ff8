import Database from 'better-sqlite3';
import { existsSync, mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startChild, startCluster, type ClusterServer } from '../support/child.js';

/*
 * API_PROCESSES=2 on one DATA_DIR, as `npm start` runs it. A keep-alive connection stays with the
 * process it reached (node:cluster hands each new connection to the next process), so a client
 * with one connection per process can write through one and read through the other.
 */

interface Answer {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/** A client with one keep-alive connection: every request goes to the same API process. */
const connection = (port: number) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const send = (method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const body = options.body === undefined ? undefined : JSON.stringify(options.body);
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method,
          path: path.startsWith('/api') || path.startsWith('/readyz') ? path : `/api/v1${path}`,
          agent,
          headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...options.headers },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () =>
            resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null, headers: res.headers }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
};
type Connection = ReturnType<typeof connection>;

/** One connection to each API process, by its number (read from /readyz). */
async function connectionsToEach(cluster: ClusterServer, processes: number) {
  const found = new Map<number, Connection>();
  for (let tries = 0; tries < 8 * processes && found.size < processes; tries += 1) {
    const client = connection(cluster.port);
    const ready = await client.send('GET', '/readyz');
    const index = ready.body.process as number;
    if (found.has(index)) client.close();
    else found.set(index, client);
  }
  expect([...found.keys()].sort()).toEqual(Array.from({ length: processes }, (_, i) => i + 1));
  return found;
}

const position = (answer: Answer) => {
  const value = answer.headers['x-event-position'];
  expect(typeof value).toBe('string');
  return value as string;
};

const running: { cluster: ClusterServer; clients: Connection[] }[] = [];
afterEach(async () => {
  for (const { cluster, clients } of running.splice(0)) {
    for (const client of clients) client.close();
    cluster.process.kill('SIGTERM');
    await cluster.exited;
  }
});

async function twoProcesses(env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'cluster-'));
  const cluster = await startCluster(2, { DATA_DIR: dataDir, ...env });
  const each = await connectionsToEach(cluster, 2);
  running.push({ cluster, clients: [...each.values()] });
  return { cluster, dataDir, one: each.get(1)!, two: each.get(2)! };
}

describe('API_PROCESSES=2', () => {
  it('both processes serve; a write through one is read through the other with its X-Event-Position', async () => {
    const { one, two } = await twoProcesses();
    const registered = await one.send('POST', '/auth/register', {
      body: { username: 'moving_client', password: 'Sturdy-pass-4417' },
    });
    expect(registered.status).toBe(201);
    const auth = { authorization: `Bearer ${registered.body.access_token}` };
    for (let round = 0; round < 10; round += 1) {
      const [writer, reader] = round % 2 === 0 ? [one, two] : [two, one];
      const name = `Name ${round}`;
      const changed = await writer.send('PUT', '/auth/me', { body: { display_name: name }, headers: auth });
      expect(changed.status).toBe(200);
      const read = await reader.send('GET', '/auth/me', {
        headers: { ...auth, 'x-event-position': position(changed) },
      });
      expect(read.status).toBe(200);
      expect(read.body.display_name).toBe(name);
    }
  });

  /**
   * After a command through process one that ends `auth`'s access: process two refuses it at once
   * with the command's position, and without it as soon as it has read the event (it looks for
   * other processes' events every 10 ms).
   */
  const refusedByTwo = async (two: Connection, auth: Record<string, string>, ended: Answer) => {
    expect(ended.status).toBe(200);
    const asked = await two.send('GET', '/auth/me', { headers: { ...auth, 'x-event-position': position(ended) } });
    expect(asked.status).toBe(401);
    let status = 0;
    for (let i = 0; i < 100 && status !== 401; i += 1) {
      status = (await two.send('GET', '/auth/me', { headers: auth })).status;
      if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(401);
  };

  /** Registers through process one; the token works through process two (asked with the registration's position). */
  const registerThroughOne = async (one: Connection, two: Connection, username: string) => {
    const registered = await one.send('POST', '/auth/register', { body: { username, password: 'Sturdy-pass-4418' } });
    const auth = { authorization: `Bearer ${registered.body.access_token}` };
    const known = await two.send('GET', '/auth/me', { headers: { ...auth, 'x-event-position': position(registered) } });
    expect(known.status).toBe(200);
    return { auth, id: known.body.id as string };
  };

  it('a session ended through one process is refused by the other', async () => {
    const { one, two } = await twoProcesses();
    const { auth } = await registerThroughOne(one, two, 'leaving_client');
    await refusedByTwo(two, auth, await one.send('POST', '/auth/logout', { headers: auth }));
  });

  it('an account disabled through one process is refused by the other', async () => {
    const { one, two } = await twoProcesses();
    // The first account is the admin.
    const admin = await registerThroughOne(one, two, 'the_admin');
    const user = await registerThroughOne(one, two, 'to_disable');
    const disabled = await one.send('POST', `/admin/users/${user.id}/disable`, { headers: admin.auth });
    await refusedByTwo(two, user.auth, disabled);
  });

  it('lockouts count the failures every process saw', async () => {
    const { one, two } = await twoProcesses();
    /** Six wrong passwords for one name, through the two processes in turn: the statuses. */
    const sixWrong = async (username: string) => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i += 1) {
        const body = { username, password: 'wrong-guess-1' };
        statuses.push((await (i % 2 ? two : one).send('POST', '/auth', { body })).status);
      }
      return statuses;
    };
    // A name without an account: the lockout is a limit, held by the primary for every process.
    expect(await sixWrong('nobody_here')).toEqual([401, 401, 401, 401, 401, 429]);
    // An account: the lockout is in its events, decided on its stream whichever process asks.
    await one.send('POST', '/auth/register', { body: { username: 'guarded_one', password: 'Sturdy-pass-4419' } });
    expect(await sixWrong('guarded_one')).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('the per-address rate limit counts the requests every process took', async () => {
    const { one, two } = await twoProcesses({ RATE_LIMIT_MAX: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await (i % 2 ? two : one).send('GET', '/auth/setup-status')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('a rebuild asked of one process is made by each, on its own read-models file', async () => {
    const { cluster, dataDir, one, two } = await twoProcesses();
    expect(existsSync(join(dataDir, 'read-models.db'))).toBe(true);
    expect(existsSync(join(dataDir, 'read-models.2.db'))).toBe(true);
    // The first account is the superadmin.
    const admin = await one.send('POST', '/auth/register', {
      body: { username: 'first_admin', password: 'Sturdy-pass-4420' },
    });
    const auth = { authorization: `Bearer ${admin.body.access_token}` };
    const asked = await two.send('POST', '/admin/projections/me/rebuild', { headers: auth });
    expect(asked.status).toBe(202);
    for (const index of [1, 2])
      await cluster.line((entry) => entry.process === index && entry.msg === 'rebuilt: the new generation serves');
    for (const client of [one, two]) {
      const status = await client.send('GET', '/admin/projections/me', { headers: auth });
      expect(status.body).toMatchObject({ generation: 2, status: 'live' });
    }
  });

  it('a process that dies is started again; SIGTERM stops them all', async () => {
    const { cluster } = await twoProcesses();
    const before = cluster.pids.get(2)!;
    process.kill(before, 'SIGKILL');
    await cluster.line((entry) => entry.msg === 'listening' && entry.process === 2 && entry.pid !== before);
    const after = cluster.pids.get(2)!;
    expect(after).not.toBe(before);
    const ready = await connection(cluster.port).send('GET', '/readyz');
    expect(ready.status).toBe(200);
    running.splice(0);
    cluster.process.kill('SIGTERM');
    expect(await cluster.exited).toBe(0);
    for (const pid of cluster.pids.values()) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('a process added later starts from a copy of the first read models', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cluster-grow-'));
    const alone = await startChild({ DATA_DIR: dataDir });
    const registered = await fetch(`${alone.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'was_alone', password: 'Sturdy-pass-4421' }),
    });
    expect(registered.status).toBe(201);
    alone.process.kill('SIGTERM');
    await alone.exited;
    const cluster = await startCluster(2, { DATA_DIR: dataDir });
    running.push({ cluster, clients: [] });
    await cluster.line((entry) => entry.msg === 'read models copied for a new API process' && entry.process === 2);
    const copy = new Database(join(dataDir, 'read-models.2.db'), { readonly: true });
    try {
      const users = copy.prepare('SELECT count(*) AS n FROM "c:users_g1" WHERE dead = 0').get() as { n: number };
      expect(users.n).toBe(1);
    } finally {
      copy.close();
    }
  });
});
