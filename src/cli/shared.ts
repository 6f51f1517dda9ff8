/** What the operator CLI's commands share: the configuration, the service, a user lookup, tables and the admin API. */
import { InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { usernameKey } from '../../projections/lookups.js';
import { loadConfig, ConfigError, type Config } from '../config.js';
import { createService, type Service } from '../service.js';

export const quiet = pino({ level: 'silent' });
export const CLI_REQUEST = { requestId: 'cli', ip: null, userAgent: 'accounts-cli' };

export const configOrDie = (): Config => {
  try {
    return loadConfig({ ...process.env, WORKERS: 'off', PORT: '0' });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
};

/** The whole service without its HTTP server or workers, for commands that use the accounts' own code. */
export async function withService<T>(work: (service: Service) => Promise<T>): Promise<T> {
  const service = await createService(configOrDie(), { logger: quiet });
  try {
    return await work(service);
  } finally {
    await service.close();
  }
}

/** A user id, or the username of an account. */
export async function resolveUser(service: Service, who: string): Promise<string> {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(who)) return who.toLowerCase();
  const found = await service.projections.collection('lookups', 'lookups').findOne({ _id: usernameKey(who) });
  if (!found) throw new Error(`No account with the id or username ${who}`);
  return found.userId as string;
}

/** Rows as an aligned text table. */
export function table(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(none)';
  const columns = Object.keys(rows[0]!);
  const cell = (value: unknown) =>
    value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
  ].join('\n');
}

/** Calls a running server's admin API (with a JSON body when one is given). */
export async function remote(url: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${url.replace(/\/+$/, '')}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${response.status} ${String(answer.code)}: ${String(answer.detail)}`);
  return answer;
}

export const isoTime = (value: string) => {
  if (Number.isNaN(Date.parse(value)))
    throw new InvalidArgumentError('must be an ISO 8601 time, e.g. 2026-01-15T10:30:00Z');
  return new Date(value);
};
