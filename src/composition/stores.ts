/** The adapters the configuration picks: event, read, key and usage stores, checkpoints, job queue and mailer. */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createRateLimiter } from '../infra/ratelimit/limiter.js';
import { LOCK_MS, MAX_FAILED_LOGINS } from '../../domain/user/security.js';
import { openEsdbEventStore } from '../infra/eventstore/esdb.js';
import { createSqliteEventStore } from '../infra/eventstore/sqlite.js';
import { openMongoKeyStore } from '../infra/keystore/mongo.js';
import { createSqliteKeyStore } from '../infra/keystore/sqlite.js';
import { createEmlMailer } from '../infra/mail/eml.js';
import { createSmtpMailer } from '../infra/mail/smtp.js';
import { openBullmqJobQueue } from '../infra/queue/bullmq.js';
import { createSqliteJobQueue } from '../infra/queue/sqlite.js';
import { openMongoReadStore } from '../infra/readstore/mongo.js';
import { openSqliteReadStore, READ_MODELS_FILE, type SqliteReadStore } from '../infra/readstore/sqlite.js';
import { createReadStoreUsageStore } from '../infra/readstore/usage.js';
import { createReadStoreWebhookDeliveryLog } from '../infra/readstore/webhook-deliveries.js';
import { createSqliteCheckpoints } from '../infra/sqlite/checkpoints.js';
import { openSqliteDatabase, type SqliteDatabase } from '../infra/sqlite/database.js';
import { createSqliteUsageStore } from '../infra/sqlite/usage.js';
import { createSqliteWebhookDeliveryLog } from '../infra/sqlite/webhook-deliveries.js';
import { BoundedCache } from '../bounded-cache.js';
import type { Mailer } from '../ports/mailer.js';
import type { Doc } from '../ports/read-store.js';
import type { UsageStore } from '../ports/usage-store.js';
import type { WebhookDeliveryLog } from '../ports/webhook-deliveries.js';
import { readStoreCheckpoints } from '../subscriptions/checkpointed.js';

/** Opens the stores the configuration names: the embedded ones unless a URL says otherwise. */
export async function openStores(config: Config, clock: () => Date) {
  let sqlite: SqliteDatabase | null = null;
  const embedded = () =>
    (sqlite ??= openSqliteDatabase(join(config.dataDir, 'accounts.db'), { synchronous: config.embeddedSync }));
  const eventStore = config.eventStoreUrl
    ? await openEsdbEventStore(config.eventStoreUrl)
    : createSqliteEventStore(embedded(), clock);
  // Embedded read models get a file of their own: derived data, committed in batches, never backed up.
  let embeddedReads: SqliteReadStore | null = null;
  const readStore = config.mongoUrl
    ? await openMongoReadStore(config.mongoUrl)
    : (embeddedReads = openSqliteReadStore(join(config.dataDir, READ_MODELS_FILE), {
        cache: new BoundedCache<string, Doc>(config.readCacheDocuments),
      }));
  const keyStore = config.mongoUrl ? await openMongoKeyStore(config.mongoUrl) : createSqliteKeyStore(embedded());
  // Reactors act on the world, so their checkpoints must be durable as soon as written: MongoDB,
  // or accounts.db (not read-models.db, whose commits are batched and may be lost in a crash).
  const reactorCheckpoints = config.mongoUrl ? readStoreCheckpoints(readStore) : createSqliteCheckpoints(embedded());
  const usageStore: UsageStore = config.mongoUrl
    ? createReadStoreUsageStore(readStore)
    : createSqliteUsageStore(embedded());
  // Deliveries must outlive the process, as the reactor that records them does not act twice.
  const webhookDeliveries: WebhookDeliveryLog = config.mongoUrl
    ? createReadStoreWebhookDeliveryLog(readStore)
    : createSqliteWebhookDeliveryLog(embedded());
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
    webhookDeliveries,
    /** The embedded read store's cache, for the metrics; null on MongoDB. */
    readCacheDocuments: embeddedReads ? (embeddedReads as SqliteReadStore).cachedDocuments : null,
    closeSqlite: () => (sqlite as SqliteDatabase | null)?.close(),
  };
}

/** The mailer: SMTP when a URL is configured, else .eml files in DATA_DIR/mail. */
export function createMailer(config: Config, logger: Logger): Mailer {
  return config.smtpUrl
    ? createSmtpMailer({ url: config.smtpUrl, from: config.mailFrom, logger })
    : createEmlMailer({ dir: join(config.dataDir, 'mail'), from: config.mailFrom, logger });
}

/** The keyed limits the accounts layer counts against (per address, account or name; Redis when REDIS_URL is set). */
export function keyedLimits(config: Config) {
  const keyedLimiter = (points: number, durationS: number, keyPrefix: string) =>
    createRateLimiter({ points, durationS, redisUrl: config.redisUrl, keyPrefix });
  return {
    issue: keyedLimiter(config.codeIssueLimit, 3600, 'issue'),
    failures: keyedLimiter(config.codeFailureLimit, 3600, 'failures'),
    // A name without an account locks exactly like an account does.
    unknownLogin: keyedLimiter(MAX_FAILED_LOGINS, LOCK_MS / 1000, 'unknown-login'),
    // Failed password sign-ins per name or address in the last hour: past CAPTCHA_AFTER_FAILURES a CAPTCHA is asked.
    signInFailures: keyedLimiter(Math.max(1, config.captcha?.afterFailures ?? 1), 3600, 'signin-failures'),
  };
}
