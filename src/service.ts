import { createOAuthProviders } from './login-methods/oauth/providers.js';
import { createLogger } from './logging.js';
import { createMetrics } from './metrics.js';
import { projectionOperations } from './operations.js';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { projections } from '../projections/index.js';
import { LOCK_MS, MAX_FAILED_LOGINS } from '../domain/user/security.js';
import { createAccounts, type Accounts } from './accounts/index.js';
import { createChallenges } from './accounts/challenges.js';
import { createUsageTracker } from './accounts/usage.js';
import { createSqliteUsageStore } from './infra/sqlite/usage.js';
import { createReadStoreUsageStore } from './infra/readstore/usage.js';
import type { UsageStore } from './ports/usage-store.js';
import type { RouteEntry } from './http/auth.js';
import type { Express } from 'express';
import type { FlatRouter } from './http/router.js';
import { loadReadModelSnapshot, saveReadModelSnapshot } from './projections/snapshot.js';
import { createFileSnapshotStorage, SNAPSHOT_FILE } from './infra/snapshot/file.js';
import { USERS } from '../projections/me.js';
import { jobsReaction, startWorkers } from '../workers/index.js';
import { createEmlMailer } from './infra/mail/eml.js';
import { createSmtpMailer } from './infra/mail/smtp.js';
import { openBullmqJobQueue } from './infra/queue/bullmq.js';
import { createSqliteJobQueue } from './infra/queue/sqlite.js';
import { createRateLimiter } from './infra/ratelimit/limiter.js';
import type { JobQueue } from './ports/job-queue.js';
import type { Mailer } from './ports/mailer.js';
import { createClaims } from './accounts/claims.js';
import { erasureReaction } from './accounts/erasure.js';
import { Reactor } from './reactors/reactor.js';
import type { Config } from './config.js';
import { CommandHandler } from './commands/handler.js';
import { createEventCodec } from './events/codec.js';
import { createHttpApp } from './http/app.js';
import type { Readiness } from './http/routes/ops.js';
import { createBcryptPool } from './infra/bcrypt/pool.js';
import type { PasswordHasher } from './ports/password-hasher.js';
import { openEsdbEventStore } from './infra/eventstore/esdb.js';
import { createSqliteEventStore } from './infra/eventstore/sqlite.js';
import { openMongoKeyStore } from './infra/keystore/mongo.js';
import { createSqliteKeyStore } from './infra/keystore/sqlite.js';
import { createMemoryReadStore } from './infra/readstore/memory.js';
import { openMongoReadStore } from './infra/readstore/mongo.js';
import { openSqliteDatabase, type SqliteDatabase } from './infra/sqlite/database.js';
import type { EventStore } from './ports/event-store.js';
import type { KeyStore } from './ports/key-store.js';
import type { ReadStore, SnapshottableReadStore } from './ports/read-store.js';
import { ProjectionRunner } from './projections/runner.js';
import { readStoreCheckpoints } from './subscriptions/checkpointed.js';
import { createSqliteCheckpoints } from './infra/sqlite/checkpoints.js';
import { createTokenSigner, ed25519Key } from './tokens/jwt.js';

export interface ServiceOptions {
  clock?: () => Date;
  logger?: Logger;
  /**
   * Embedded mode: load the read models from DATA_DIR's snapshot at start and save them at a clean
   * stop (see projections/snapshot.ts). `npm start` does; the CLI and tests do not.
   */
  readModelSnapshot?: boolean;
}

export interface Service {
  config: Config;
  accounts: Accounts;
  eventStore: EventStore;
  readStore: ReadStore;
  keyStore: KeyStore;
  queue: JobQueue;
  mailer: Mailer;
  projections: ProjectionRunner;
  /** Every API route and who may call it. */
  routeTable: RouteEntry[];
  /** The express application, and the flat table that routes every request (tests walk both). */
  http: Express & { flatRouter: FlatRouter };
  hasher: PasswordHasher;
  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number>;
  close(): Promise<void>;
}

/** Opens the stores the configuration names: the embedded ones unless a URL says otherwise. */
export async function openStores(config: Config, clock: () => Date) {
  let sqlite: SqliteDatabase | null = null;
  const embedded = () =>
    (sqlite ??= openSqliteDatabase(join(config.dataDir, 'accounts.db'), { synchronous: config.embeddedSync }));
  const eventStore = config.eventStoreUrl
    ? await openEsdbEventStore(config.eventStoreUrl)
    : createSqliteEventStore(embedded(), clock);
  const readStore = config.mongoUrl ? await openMongoReadStore(config.mongoUrl) : createMemoryReadStore();
  const keyStore = config.mongoUrl ? await openMongoKeyStore(config.mongoUrl) : createSqliteKeyStore(embedded());
  // Reactors act on the world, so their checkpoints must last: the read store when it is durable,
  // else the SQLite file.
  const reactorCheckpoints = config.mongoUrl ? readStoreCheckpoints(readStore) : createSqliteCheckpoints(embedded());
  const usageStore: UsageStore = config.mongoUrl
    ? createReadStoreUsageStore(readStore)
    : createSqliteUsageStore(embedded());
  const queue = config.redisUrl
    ? await openBullmqJobQueue(config.redisUrl, { addTimeoutMs: config.queueAddTimeoutMs })
    : createSqliteJobQueue(embedded(), { clock: () => clock().getTime() });
  return {
    eventStore,
    readStore,
    keyStore,
    queue,
    reactorCheckpoints,
    usageStore,
    closeSqlite: () => (sqlite as SqliteDatabase | null)?.close(),
  };
}

/** The composition root: everything is built here, once, from the configuration. */
export async function createService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const clock = options.clock ?? (() => new Date());
  const logger = options.logger ?? createLogger(config.logLevel);
  const { eventStore, readStore, keyStore, queue, reactorCheckpoints, usageStore, closeSqlite } = await openStores(
    config,
    clock,
  );
  const mailer = config.smtpUrl
    ? createSmtpMailer({ url: config.smtpUrl, from: config.mailFrom, logger })
    : createEmlMailer({ dir: join(config.dataDir, 'mail'), from: config.mailFrom, logger });
  const codec = createEventCodec(keyStore);
  const hasher = await createBcryptPool({ cost: config.bcryptCost, threads: config.bcryptThreads });
  const privateKey = ed25519Key(
    config.jwtPrivateKey ? { pem: config.jwtPrivateKey } : { seed: await keyStore.getOrCreate('service:jwt-ed25519') },
  );
  const signer = await createTokenSigner({
    privateKey,
    issuer: config.publicUrl,
    audience: config.jwtAudience,
    ttlMs: config.jwtTtlMs,
    clock,
  });
  const runner = new ProjectionRunner({ eventStore, readStore, codec, logger }, projections);
  const metrics = createMetrics();
  const commands = new CommandHandler({ eventStore, codec, observe: metrics.observeCommand });
  const claims = createClaims({
    eventStore,
    commands,
    hmacKey: await keyStore.getOrCreate('service:claims-hmac'),
    clock,
    graceMs: config.claimGraceMs,
  });
  const keyedLimiter = (points: number, durationS: number, keyPrefix: string) =>
    createRateLimiter({ points, durationS, redisUrl: config.redisUrl, keyPrefix });
  const limits = {
    issue: keyedLimiter(config.codeIssueLimit, 3600, 'issue'),
    failures: keyedLimiter(config.codeFailureLimit, 3600, 'failures'),
    // A name without an account locks exactly like an account does.
    unknownLogin: keyedLimiter(MAX_FAILED_LOGINS, LOCK_MS / 1000, 'unknown-login'),
  };
  const challenges = createChallenges({
    commands,
    projections: runner,
    hmacKey: await keyStore.getOrCreate('service:challenge-hmac'),
    clock,
  });
  const usage = createUsageTracker({ store: usageStore, clock, logger });
  const accounts = createAccounts({
    eventStore,
    codec,
    commands,
    projections: runner,
    hasher,
    signer,
    keyStore,
    claims,
    challenges,
    queue,
    limits,
    usage,
    clock,
    logger,
    settings: {
      registration: config.registration,
      invites: config.invites,
      allowUsrLogin: config.allowUsrLogin,
      readYourWritesTimeoutMs: config.readYourWritesTimeoutMs,
      reauthWindowMs: config.reauthWindowMs,
      serviceName: config.serviceName,
      publicUrl: config.publicUrl,
      allowedRedirects: config.allowedRedirects,
    },
    oauth: createOAuthProviders(config.oauth),
    scratchStore: createMemoryReadStore,
    hmacKey: await keyStore.getOrCreate('service:nip98-hmac'),
  });
  const reactorDeps = { eventStore, checkpoints: reactorCheckpoints, codec, logger };
  const erasure = new Reactor(reactorDeps, erasureReaction({ keyStore, codec, claims }));
  const verifiedEmailOf = async (userId: string) => {
    const user = await runner.collection('me', USERS).findOne({ _id: userId });
    return user?.email_verified === true && typeof user.email === 'string' ? user.email : null;
  };
  const jobs = new Reactor(reactorDeps, jobsReaction({ queue, clock, verifiedEmailOf }));
  const limiter =
    config.rateLimitMax > 0
      ? createRateLimiter({ points: config.rateLimitMax, durationS: 60, redisUrl: config.redisUrl })
      : null;

  // Embedded mode only (SQLite events, memory read models): the marker check reads positions as SQLite numbers them.
  const snapshot =
    options.readModelSnapshot && !readStore.durable && !config.eventStoreUrl
      ? {
          storage: createFileSnapshotStorage(join(config.dataDir, SNAPSHOT_FILE)),
          readStore: readStore as SnapshottableReadStore,
          eventStore,
          keyStore,
          logger,
          versions: Object.fromEntries(projections.map((p) => [p.name, p.version])),
        }
      : null;
  if (snapshot) await loadReadModelSnapshot(snapshot);
  await runner.start();
  await erasure.start();
  const caughtUp = await runner.catchUp();
  logger.info({ caughtUp, head: String(await eventStore.headPosition()) }, 'read models built');
  if (config.workers === 'inline') {
    startWorkers({
      queue,
      mailer,
      mail: { serviceName: config.serviceName, publicUrl: config.publicUrl, linkBaseUrl: config.linkBaseUrl },
      expireChallenge: accounts.expireChallenge,
      fulfilPasswordReset: accounts.fulfilPasswordReset,
      fulfilLoginCode: accounts.fulfilLoginCode,
    });
    // After the read models: a notice looks up the address in `me`, which must be complete.
    await jobs.start();
  }

  /** Ready: every store answers, and every read model reaches the store's head within a second. */
  const readiness = async (): Promise<Readiness> => {
    const reasons: string[] = [];
    const check = async (name: string, probe: () => Promise<unknown>) => {
      try {
        await probe();
      } catch (error) {
        logger.warn({ err: error }, `${name} unreachable`);
        reasons.push(`${name} unreachable`);
      }
    };
    let head = 0n;
    await check('event store', async () => (head = await eventStore.headPosition()));
    await check('read store', () => readStore.ping());
    await check('key store', () => keyStore.ping());
    const live = runner.status().filter((p) => p.status !== 'rebuilding');
    for (const p of live) if (p.status === 'retrying') reasons.push(`read model ${p.name} is failing and retrying`);
    if (
      !reasons.length &&
      !(await runner.waitFor(
        head,
        live.map((p) => p.name),
        1000,
      ))
    ) {
      for (const p of runner.status())
        if (p.status !== 'rebuilding' && p.position < head) reasons.push(`read model ${p.name} is behind`);
    }
    return {
      ready: reasons.length === 0,
      reasons,
      projections: runner.status().map((p) => ({ name: p.name, status: p.status, position: String(p.position) })),
    };
  };

  const app = createHttpApp({
    accounts,
    signer,
    logger,
    readiness,
    publicUrl: config.publicUrl,
    operations: projectionOperations(runner, eventStore),
    headPosition: () => eventStore.headPosition(),
    trustProxy: config.trustProxy,
    limiter,
    metrics,
    metricsToken: config.metricsToken,
  });
  if (!config.metricsToken && config.nodeEnv === 'production')
    logger.warn('GET /metrics is public: set METRICS_TOKEN, or keep /metrics off the internet at the proxy');
  metrics.watch({ runner, eventStore, queue });
  let server: Server | null = null;

  return {
    config,
    accounts,
    eventStore,
    readStore,
    keyStore,
    queue,
    mailer,
    projections: runner,
    hasher,
    routeTable: app.routeTable,
    http: app,
    async listen() {
      server = app.listen(config.port, config.host);
      await once(server, 'listening');
      server.keepAliveTimeout = 65_000;
      const port = (server.address() as AddressInfo).port;
      logger.info({ port, publicUrl: config.publicUrl }, 'listening');
      return port;
    },
    async close() {
      if (server) {
        // Stop taking connections; let the requests in hand finish; close each keep-alive
        // connection as soon as it falls idle (a client could otherwise hold the close open).
        const closed = once(server, 'close');
        server.close();
        server.closeIdleConnections();
        const sweep = setInterval(() => server?.closeIdleConnections(), 50);
        await closed;
        clearInterval(sweep);
      }
      await usage.close();
      await jobs.stop();
      await erasure.stop();
      await queue.close();
      await mailer.close();
      await limiter?.close();
      for (const keyed of Object.values(limits)) await keyed.close();
      await runner.stop();
      if (snapshot) {
        try {
          const marker = await saveReadModelSnapshot(snapshot);
          logger.info({ position: String(marker.position) }, 'read models saved to their snapshot');
        } catch (error) {
          logger.warn({ err: error }, 'read-model snapshot not saved; the next start builds them from the events');
        }
      }
      await hasher.close();
      await eventStore.close();
      await readStore.close();
      await keyStore.close();
      closeSqlite();
    },
  };
}
