import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { isDomainError } from '../domain/shared/errors.js';
import { projections } from '../projections/index.js';
import { usernameKey } from '../projections/lookups.js';
import { auditEntry } from './accounts/admin.js';
import type { Caller } from './accounts/index.js';
import { summarize } from './accounts/history.js';
import { loadConfig, ConfigError, type Config } from './config.js';
import { createEventCodec, type DecodedEvent } from './events/codec.js';
import { ProjectionRunner } from './projections/runner.js';
import { backupSqliteFile } from './infra/sqlite/database.js';
import { openStores } from './composition/stores.js';
import { createService, type Service } from './service.js';
import { userStream } from '../domain/user/events.js';

/**
 * `npm run cli -- <command>`: the operator's tools. They open the service's stores themselves (the
 * configuration is the service's own environment), so in embedded mode run them while the server
 * is stopped, or point `--url` and `--token` at a running server where a command can go through
 * its admin API (`projections`, `rebuild`).
 */
const quiet = pino({ level: 'silent' });
const CLI_REQUEST = { requestId: 'cli', ip: null, userAgent: 'accounts-cli' };

const configOrDie = (): Config => {
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
async function withService<T>(work: (service: Service) => Promise<T>): Promise<T> {
  const service = await createService(configOrDie(), { logger: quiet });
  try {
    return await work(service);
  } finally {
    await service.close();
  }
}

/** A user id, or the username of an account. */
async function resolveUser(service: Service, who: string): Promise<string> {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(who)) return who.toLowerCase();
  const found = await service.projections.collection('lookups', 'lookups').findOne({ _id: usernameKey(who) });
  if (!found) throw new Error(`No account with the id or username ${who}`);
  return found.userId as string;
}

/** Rows as an aligned text table. */
function table(rows: Record<string, unknown>[]): string {
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

/** Calls a running server's admin API. */
async function remote(url: string, token: string, method: string, path: string): Promise<any> {
  const response = await fetch(`${url.replace(/\/+$/, '')}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${response.status} ${String(body.code)}: ${String(body.detail)}`);
  return body;
}

const isoTime = (value: string) => {
  if (Number.isNaN(Date.parse(value)))
    throw new InvalidArgumentError('must be an ISO 8601 time, e.g. 2026-01-15T10:30:00Z');
  return new Date(value);
};

const program = new Command()
  .name('accounts-cli')
  .description('Operator tools for the accounts service: audits, read models, admins and data exports.')
  .showHelpAfterError();

program
  .command('history')
  .description("an account's audit trail, replayed from its events (as of a time, if given)")
  .argument('<user>', 'user id or username')
  .option('--as-of <time>', 'fold the stream up to this instant (ISO 8601)', isoTime)
  .option('--json', 'print the events and the state as JSON')
  .action(async (who: string, options: { asOf?: Date; json?: boolean }) => {
    await withService(async (service) => {
      const history = await service.accounts.userHistory(await resolveUser(service, who), options.asOf);
      if (options.json) return console.log(JSON.stringify(history, null, 2));
      console.log(
        table(
          history.events.map((e) => ({
            at: e.at,
            event: e.type,
            actor: e.metadata.actor,
            ip: e.metadata.ip,
            summary: summarize({ type: e.type, data: e.data } as DecodedEvent),
          })),
        ),
      );
      console.log(`\nAs of ${history.as_of}: ${history.state ? JSON.stringify(history.state) : 'no account'}`);
    });
  });

program
  .command('projections')
  .description('each read model: version, position, head, lag, status')
  .option('--url <url>', 'ask this running server instead (needs --token)')
  .option('--token <token>', "an admin's session token for --url")
  .action(async (options: { url?: string; token?: string }) => {
    if (options.url) {
      if (!options.token) throw new InvalidArgumentError('--url needs --token');
      return console.log(table(await remote(options.url, options.token, 'GET', '/admin/projections')));
    }
    await withService(async (service) => {
      const head = await service.eventStore.headPosition();
      console.log(
        table(
          service.projections.status().map((p) => ({
            name: p.name,
            version: p.version,
            generation: p.generation,
            position: String(p.position),
            head: String(head),
            lag: String(head > p.position ? head - p.position : 0n),
            status: p.status,
          })),
        ),
      );
    });
  });

program
  .command('rebuild')
  .description('rebuild a read model from the first event, with a progress bar')
  .argument('<name>', `one of: ${projections.map((p) => p.name).join(', ')}`)
  .option(
    '--url <url>',
    'ask this running server to rebuild (it keeps serving the live version until the swap); needs --token',
  )
  .option('--token <token>', "an admin's session token for --url")
  .action(async (name: string, options: { url?: string; token?: string }) => {
    const bar = new SingleBar(
      {
        format: `${name} |{bar}| {percentage}% | {value}/{total} events | {rate} events/s | ETA {eta_formatted}`,
        etaBuffer: 50,
        // Without a terminal (CI, a log file) the bar is printed as a line every few seconds.
        noTTYOutput: true,
        notTTYSchedule: 5000,
      },
      Presets.shades_classic,
    );
    if (options.url) {
      if (!options.token) throw new InvalidArgumentError('--url needs --token');
      const start = await remote(options.url, options.token, 'POST', `/admin/projections/${name}/rebuild`);
      const before = await remote(options.url, options.token, 'GET', `/admin/projections/${name}`);
      bar.start(1, 0, { rate: 0 });
      for (;;) {
        const p = await remote(options.url, options.token, 'GET', `/admin/projections/${name}`);
        bar.setTotal(Math.max(1, p.total));
        bar.update(p.processed, { rate: p.events_per_sec });
        if (p.status !== 'rebuilding' && (p.generation > before.generation || start.status !== 'rebuilding')) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      bar.stop();
      return console.log(`${name} rebuilt on the server; it now serves the new version`);
    }
    const definition = projections.find((p) => p.name === name);
    if (!definition) throw new InvalidArgumentError(`no projection named ${name}`);
    // Only what a rebuild needs: the stores, the codec, and a runner for this one projection.
    const config = configOrDie();
    const stores = await openStores(config, () => new Date());
    const runner = new ProjectionRunner(
      {
        eventStore: stores.eventStore,
        readStore: stores.readStore,
        codec: createEventCodec(stores.keyStore),
        logger: quiet,
      },
      [definition],
    );
    try {
      const head = await stores.eventStore.headPosition();
      const started = Date.now();
      bar.start(Number(head), 0, { rate: 0 });
      const timer = setInterval(() => {
        const building = runner.status().find((p) => p.status === 'rebuilding') ?? runner.status()[0]!;
        bar.update(Number(building.position), {
          rate: Math.round(building.processed / Math.max(0.001, (Date.now() - started) / 1000)),
        });
      }, 200);
      // A durable read store resumes the live version and builds the next one beside it; an
      // in-memory one starts empty, so starting it is the rebuild.
      await runner.start();
      if (stores.readStore.durable) await runner.rebuild(name);
      else await runner.catchUp(24 * 3_600_000);
      clearInterval(timer);
      const done = runner.status()[0]!;
      const seconds = (Date.now() - started) / 1000;
      bar.update(Number(head), { rate: Math.round(done.processed / seconds) });
      bar.stop();
      console.log(
        `${name}: ${done.processed} events in ${seconds.toFixed(1)} s (${Math.round(done.processed / seconds)} events/s)`,
      );
    } finally {
      await runner.stop();
      await stores.queue.close();
      await stores.eventStore.close();
      await stores.readStore.close();
      await stores.keyStore.close();
      stores.closeSqlite();
    }
  });

program
  .command('create-admin')
  .description('make an account that is an admin (or make an existing account one)')
  .requiredOption('--username <name>', 'the username')
  .option('--email <address>', 'its email address')
  .option('--password <password>', 'its password (default: a random one, printed once); or set ADMIN_PASSWORD')
  .action(async (options: { username: string; email?: string; password?: string }) => {
    await withService(async (service) => {
      const operator: Caller = { kind: 'session', userId: 'cli', sessionId: null, isAdmin: true, role: 'superadmin' };
      const existing = await service.projections
        .collection('lookups', 'lookups')
        .findOne({ _id: usernameKey(options.username) });
      let userId = existing?.userId as string | undefined;
      let password: string | null = null;
      let user;
      if (!userId) {
        password = options.password ?? process.env.ADMIN_PASSWORD ?? `${randomBytes(18).toString('base64url')}-A1`;
        user = await service.accounts.provisionAdmin(
          { username: options.username, password, email: options.email ?? null },
          CLI_REQUEST,
        );
        userId = user.id as string;
      } else {
        user = (await service.accounts.setAdmin(operator, userId, true, CLI_REQUEST)).user;
      }
      console.log(`${user.username} (${user.id}) is an admin${existing ? ' (the account existed)' : ''}`);
      if (password && !options.password && !process.env.ADMIN_PASSWORD)
        console.log(`password (shown once): ${password}`);
    });
  });

program
  .command('export')
  .description('everything the service holds on a person, as one JSON file (for data-access requests)')
  .argument('<user>', 'user id or username')
  .option('--out <file>', 'where to write it (default: export-<user id>.json)')
  .action(async (who: string, options: { out?: string }) => {
    await withService(async (service) => {
      const userId = await resolveUser(service, who);
      const caller: Caller = { kind: 'session', userId, sessionId: null, isAdmin: false };
      const stored = await service.eventStore.readStream(userStream(userId));
      if (stored.length === 0) throw new Error(`No account ${who}`);
      const codec = createEventCodec(service.keyStore);
      const events = await Promise.all(stored.map(async (e) => auditEntry(await codec.decode(e))));
      const exported = {
        exported_at: new Date().toISOString(),
        account: await service.accounts.getUser(userId).catch(() => null),
        sessions: await service.accounts.listSessions(caller).catch(() => []),
        acls: await service.accounts.listAcls(caller).catch(() => []),
        api_keys: await service.accounts.listApiKeys(caller).catch(() => []),
        events,
        note: 'Secrets (password hash, TOTP secret, user key, key hashes) are withheld; "[erased]" marks data destroyed with the account.',
      };
      const file = options.out ?? `export-${userId}.json`;
      // `wx`: a new file only (mode 0600 holds, and no symlink is followed into another file).
      writeFileSync(file, `${JSON.stringify(exported, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      console.log(
        `wrote ${file}: ${events.length} events, ${exported.sessions.length} sessions, ${exported.acls.length} ACLs, ${exported.api_keys.length} API keys`,
      );
    });
  });

program
  .command('backup')
  .description("a consistent copy of the embedded store's file (events, keys, queue), safe while the server runs")
  .argument('<file>', 'where to write the copy (must not exist)')
  .action(async (file: string) => {
    const config = configOrDie();
    if (config.eventStoreUrl || config.mongoUrl)
      throw new InvalidArgumentError(
        'backup copies the embedded SQLite file; back up EventStoreDB and MongoDB with their own tools',
      );
    if (existsSync(file)) throw new InvalidArgumentError(`${file} exists; choose a new file`);
    const { totalPages } = await backupSqliteFile(join(config.dataDir, 'accounts.db'), file);
    console.log(`wrote ${file} (${totalPages} pages)`);
  });

program.parseAsync().catch((error: unknown) => {
  console.error(isDomainError(error) || error instanceof Error ? `error: ${error.message}` : error);
  process.exit(1);
});
