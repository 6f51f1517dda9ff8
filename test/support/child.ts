import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildServer {
  process: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

/** The compiled service (`node dist/src/main.js`) as a child, on a free port, its stderr kept. */
function spawnService(env: Record<string, string>) {
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      BCRYPT_COST: '4',
      LOG_LEVEL: 'info',
      NODE_ENV: 'test',
      RATE_LIMIT_MAX: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const output = { stderr: '' };
  child.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  return { child, exited, output };
}

/** Runs the compiled service (`node dist/src/main.js`) as a child and waits until it listens. */
export function startChild(env: Record<string, string>): Promise<ChildServer> {
  const { child, exited, output } = spawnService(env);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not start: ${output.stderr}`)), 20_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'listening') {
          clearTimeout(timer);
          resolve({ process: child, url: `http://127.0.0.1:${entry.port}`, exited });
        }
      } catch {
        /* not a log line */
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code}: ${output.stderr}`));
    });
  });
}

export interface ClusterServer {
  process: ChildProcess;
  url: string;
  port: number;
  exited: Promise<number | null>;
  /** Each API process's pid as it last said it listens, by its number. */
  pids: Map<number, number>;
  /** Resolves when a log line matches (one already seen counts). */
  line(matches: (entry: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Runs the compiled service with API_PROCESSES=`processes` and waits until every process listens. */
export function startCluster(processes: number, env: Record<string, string>): Promise<ClusterServer> {
  const { child, exited, output } = spawnService({ ...env, API_PROCESSES: String(processes) });
  const seen: Record<string, unknown>[] = [];
  const watchers = new Set<(entry: Record<string, unknown>) => void>();
  const pids = new Map<number, number>();
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (entry.msg === 'listening' && typeof entry.process === 'number') pids.set(entry.process, entry.pid as number);
    seen.push(entry);
    for (const watch of [...watchers]) watch(entry);
  });
  const line: ClusterServer['line'] = (matches, timeoutMs = 20_000) => {
    const found = seen.find(matches);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        watchers.delete(watch);
        reject(new Error(`no such log line in ${timeoutMs} ms: ${output.stderr}`));
      }, timeoutMs);
      const watch = (entry: Record<string, unknown>) => {
        if (!matches(entry)) return;
        clearTimeout(timer);
        watchers.delete(watch);
        resolve(entry);
      };
      watchers.add(watch);
    });
  };
  const ready = line((entry) => entry.msg === 'every API process is listening').then((entry) => {
    const port = entry.port as number;
    return { process: child, url: `http://127.0.0.1:${port}`, port, exited, pids, line };
  });
  return Promise.race([
    ready,
    exited.then((code) => Promise.reject(new Error(`cluster exited with ${code}: ${output.stderr}`))),
  ]);
}
