import { isIP } from 'node:net';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { projections } from '../projections/index.js';
import { createChallenges } from './accounts/challenges.js';
import { createClaims } from './accounts/claims.js';
import { createAccounts } from './accounts/index.js';
import { createAccountServices } from './accounts/services.js';
import { createUsageTracker } from './accounts/usage.js';
import { CommandHandler } from './commands/handler.js';
import { createReactors, startInlineWorkers } from './composition/reactors.js';
import { createWebhooks } from './composition/webhooks.js';
import { accountSettings } from './composition/account-settings.js';
import { createReadiness } from './composition/readiness.js';
import { createMailer, keyedLimits, openStores } from './composition/stores.js';
import type { Config } from './config.js';
import type { Service, ServiceOptions } from './service-types.js';
import { createEventCodec } from './events/codec.js';
import { createHttpApp } from './http/app.js';
import { createBcryptPool } from './infra/bcrypt/pool.js';
import { createRateLimiter } from './infra/ratelimit/limiter.js';
import { createMemoryReadStore } from './infra/readstore/memory.js';
import { createLogger } from './logging.js';
import { createMetrics } from './metrics.js';
import { passwordPolicy } from './passwords/index.js';
import { createCaptcha } from './captcha/captcha.js';
import { loginMethods, startLoginMethods } from './login-methods/index.js';
import { createOAuthProviders } from './login-methods/oauth/providers.js';
import { projectionOperations } from './operations.js';
import { ProjectionRunner } from './projections/runner.js';
import { createTokenSigner, ed25519Key } from './tokens/jwt.js';
import { isLeader } from './cluster/messages.js';
import { rebuildsAcrossProcesses } from './cluster/rebuilds.js';
import { tellCluster } from './cluster/worker.js';

export type { Service, ServiceOptions } from './service-types.js';

/** The composition root: everything is built here, once, from the configuration. */
export async function createService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const clock = options.clock ?? (() => new Date());
  const role = options.process;
  const logger = (options.logger ?? createLogger(config.logLevel)).child(role ? { process: role.index } : {});
  // One of several API processes: limits are held by the primary, rebuilds told to the others.
  const inCluster = (role?.count ?? 1) > 1;
  const {
    eventStore,
    readStore,
    keyStore,
    queue,
    reactorCheckpoints,
    usageStore,
    webhookDeliveries,
    readCacheDocuments,
    closeSqlite,
  } = await openStores(config, clock, { appendThread: options.appendThread, process: role });
  const mailer = createMailer(config, logger);
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
  // Only a shared read store (MongoDB) is read by several instances; the embedded one drops a
  // retired generation and purges tombstones at the next look, since no other instance reads it.
  const runner = new ProjectionRunner({ eventStore, readStore, codec, logger, clock }, projections, {
    registryPollMs: config.projectionRegistryPollMs,
    graceMs: readStore.shared ? config.projectionGraceMs : 0,
  });
  const metrics = createMetrics();
  const commands = new CommandHandler({ eventStore, codec, observe: metrics.observeCommand });
  const claims = createClaims({
    eventStore,
    commands,
    hmacKey: await keyStore.getOrCreate('service:claims-hmac'),
    clock,
    graceMs: config.claimGraceMs,
  });
  const limits = keyedLimits(config, inCluster);
  const challenges = createChallenges({
    commands,
    projections: runner,
    hmacKey: await keyStore.getOrCreate('service:challenge-hmac'),
    clock,
  });
  const usage = createUsageTracker({ store: usageStore, clock, logger });
  const oauth = createOAuthProviders(config.oauth);
  // The one list of ways in: the accounts layer reads their facts, the HTTP app adds their routes.
  const methods = loginMethods({ allowUsrLogin: config.allowUsrLogin, oauthProviders: [...oauth.keys()] });
  const services = createAccountServices({
    passwords: passwordPolicy(config.passwords, { logger, metrics, clock }),
    captcha: config.captcha ? createCaptcha(config.captcha, { logger, observe: metrics.captchaCheck }) : null,
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
    clock,
    logger,
    settings: accountSettings(config),
    loginMethods: methods,
    usage,
    oauth,
    hmacKey: await keyStore.getOrCreate('service:nip98-hmac'),
  });
  const accounts = createAccounts(services, { usage, scratchStore: createMemoryReadStore });
  const webhooks = createWebhooks({
    services,
    config,
    eventStore,
    codec,
    signer,
    clock,
    log: webhookDeliveries,
    queue,
    runner,
    metrics,
  });
  const ways = startLoginMethods(methods, services);
  const {
    erasure,
    jobs,
    webhooks: webhookReactor,
  } = createReactors({
    eventStore,
    checkpoints: reactorCheckpoints,
    codec,
    logger,
    keyStore,
    claims,
    queue,
    clock,
    runner,
    webhooks: webhooks.reaction,
  });
  const limiter =
    config.rateLimitMax > 0
      ? createRateLimiter({ points: config.rateLimitMax, durationS: 60, redisUrl: config.redisUrl, cluster: inCluster })
      : null;

  /** What runs, in the order it stops (the read models last), then the stores. */
  const stopWork = [
    () => usage.close(),
    () => jobs.stop(),
    () => webhookReactor.stop(),
    () => erasure.stop(),
    () => queue.close(),
    () => mailer.close(),
    async () => limiter?.close(),
    ...Object.values(limits).map((keyed) => () => keyed.close()),
    () => runner.stop(),
  ];
  const closeStores = [
    () => hasher.close(),
    () => eventStore.close(),
    () => readStore.close(),
    () => keyStore.close(),
    async () => closeSqlite(),
  ];
  try {
    await runner.start();
    await erasure.start();
    const caughtUp = await runner.catchUp();
    logger.info({ caughtUp, head: String(await eventStore.headPosition()) }, 'read models built');
    // Of several API processes, only the first reacts with jobs and webhooks and runs the workers:
    // the others would mail and deliver everything again.
    if (config.workers === 'inline' && isLeader(role)) {
      startInlineWorkers({
        config,
        queue,
        mailer,
        accounts,
        emailCodes: ways.useCases,
        deliverWebhook: webhooks.deliver,
      });
      // After the read models: a notice looks up the address in `me`, which must be complete.
      await jobs.start();
      await webhookReactor.start();
    }
  } catch (error) {
    // A start that cannot finish (a reactor refusing a checkpoint of another store) leaves nothing
    // running: every one is tried, and the error that stopped the start is the one the caller sees.
    for (const stop of [...stopWork, ...closeStores]) await stop().catch(() => undefined);
    throw error;
  }

  const operations = inCluster
    ? rebuildsAcrossProcesses(projectionOperations(runner, eventStore), runner)
    : { operations: projectionOperations(runner, eventStore), stop: () => undefined };
  stopWork.unshift(async () => operations.stop());
  const readiness = createReadiness({ eventStore, readStore, keyStore, runner, logger, process: role?.index });

  const app = createHttpApp({
    accounts,
    webhooks,
    signer,
    logger,
    readiness,
    publicUrl: config.publicUrl,
    operations: operations.operations,
    headPosition: () => eventStore.headPosition(),
    catchUpTo: async (position) => {
      if (!(await runner.catchUp(config.readYourWritesTimeoutMs, position)))
        logger.warn({ position: String(position) }, 'read models lag behind the position a request carries');
    },
    trustProxy: config.trustProxy,
    limiter,
    metrics,
    metricsToken: config.metricsToken,
    loginMethods: methods,
    loginRoutes: ways.addRoutes,
    startLnurl: ways.useCases.startLnurl,
  });
  // Browsers take only a domain as the RP ID: with an IP address in PUBLIC_URL passkeys cannot work.
  if (isIP(config.passkeys.id))
    logger.warn(
      { rpId: config.passkeys.id },
      'passkeys need a domain name as RP ID: set PUBLIC_URL (or PASSKEY_RP_ID) to a name, localhost for local use',
    );
  if (!config.metricsToken && config.nodeEnv === 'production')
    logger.warn('GET /metrics is public: set METRICS_TOKEN, or keep /metrics off the internet at the proxy');
  metrics.watch({
    runner,
    eventStore,
    queue,
    webhookBacklog: () => webhookDeliveries.backlog(),
    readCacheDocuments,
    clock,
  });
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
    webhooks: { endpoints: webhooks.endpoints, deliveries: webhooks.deliveries },
    hasher,
    routeTable: app.routeTable,
    http: app,
    async listen() {
      server = app.listen(config.port, config.host);
      await once(server, 'listening');
      server.keepAliveTimeout = 65_000;
      const port = (server.address() as AddressInfo).port;
      logger.info({ port, publicUrl: config.publicUrl, pid: process.pid }, 'listening');
      if (inCluster) tellCluster({ type: 'listening', port });
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
      for (const stop of stopWork) await stop();
      for (const close of closeStores) await close();
    },
  };
}
