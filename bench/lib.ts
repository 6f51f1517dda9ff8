import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

/** Shared by the bench scripts: a child's resident memory, JSON calls to the service's API, the cluster's revocation delay. */
export const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

export async function apiCall(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as any };
}

/** A client with one keep-alive connection, so that all its requests reach the same API process. */
export function pinnedClient(url: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const { hostname, port } = new URL(url);
  const send = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
    new Promise<{ status: number; body: any; position: string | undefined }>((resolve, reject) => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          host: hostname,
          port,
          method,
          path,
          agent,
          headers: { ...(text ? { 'content-type': 'application/json' } : {}), ...headers },
        },
        (res) => {
          let answer = '';
          res.on('data', (chunk: Buffer) => (answer += chunk.toString()));
          res.on('end', () =>
            resolve({
              status: res.statusCode!,
              body: answer ? JSON.parse(answer) : null,
              position: res.headers['x-event-position'] as string | undefined,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(text);
    });
  return { send, close: () => agent.destroy() };
}

/**
 * With API_PROCESSES=2: how long after a logout answered by one process the other refuses the
 * token, without `X-Event-Position` (each process reads the other's events by itself), in ms.
 */
export async function revocationDelays(url: string, rounds: number): Promise<number[]> {
  const byProcess = new Map<number, ReturnType<typeof pinnedClient>>();
  for (let tries = 0; tries < 16 && byProcess.size < 2; tries += 1) {
    const client = pinnedClient(url);
    const index = (await client.send('GET', '/readyz')).body.process as number;
    if (byProcess.has(index)) client.close();
    else byProcess.set(index, client);
  }
  const [one, two] = [byProcess.get(1), byProcess.get(2)];
  if (!one || !two) throw new Error('no connection reached each of two API processes');
  const delays: number[] = [];
  try {
    for (let i = 0; i < rounds; i += 1) {
      const body = { username: `revoked_${process.pid}_${i}`, password: `Revoked-pass-${i}-q` };
      const registered = await one.send('POST', '/api/v1/auth/register', {}, body);
      const auth = { authorization: `Bearer ${registered.body.access_token as string}` };
      // The registration's position: the other process has the session before the logout is sent.
      const known = await two.send('GET', '/api/v1/auth', { ...auth, 'x-event-position': registered.position! });
      if (known.status !== 200) throw new Error(`the token did not work: ${known.status}`);
      const ended = await one.send('POST', '/api/v1/auth/logout', auth);
      if (ended.status !== 200) throw new Error(`logout failed: ${ended.status}`);
      const started = performance.now();
      while ((await two.send('GET', '/api/v1/auth', auth)).status !== 401) {
        if (performance.now() - started > 10_000) throw new Error('the other process still takes the token after 10 s');
      }
      delays.push(performance.now() - started);
    }
  } finally {
    one.close();
    two.close();
  }
  return delays;
}
