/** The adapters the configuration picks: event, read, key and usage stores, checkpoints, job queue and mailer. */
import { existsSync } from 'node:fs';
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
import { openSqliteReadStore, readModelsFile, type SqliteReadStore } from '../infra/readstore/sqlite.js';
import { createReadStoreUsageStore } from '../infra/readstore/usage.js';
import { createReadStoreWebhookDeliveryLog } from '../infra/readstore/webhook-deliveries.js';
import { createSqliteCheckpoints } from '../infra/sqlite/checkpoints.js';
import { backupSqliteFile, openSqliteDatabase, type SqliteDatabase } from '../infra/sqlite/database.js';
import { createSqliteUsageStore } from '../infra/sqlite/usage.js';
import { createSqliteWebhookDeliveryLog } from '../infra/sqlite/webhook-deliveries.js';
import { BoundedCache } from '../bounded-cache.js';
import type { ProcessRole } from '../cluster/messages.js';
import type { Mailer } from '../ports/mailer.js';
import type { Doc } from '../ports/read-store.js';
import type { UsageStore } from '../ports/usage-store.js';
import type { WebhookDeliveryLog } from '../ports/webhook-deliveries.js';
import { readStoreCheckpoints } from '../subscriptions/checkpointed.js';

/**
 * With several API processes on one DATA_DIR, how often each looks for events the others appended
 * (their read models follow within this), and, ten times that, for jobs they added.
 */
const OTHER_WRITERS_POLL_MS = 10;

/**
 * Who fsyncs the embedded file (accounts.db, WAL mode), when the event store is embedded.
 *
 * The event store appends through a worker thread with a connection of its own, at EMBEDDED_SYNC
 * (FULL by default): an append is answered after its commit's fsync, which happens off the event
 * loop. Every other writer uses the service's connection, opened here at synchronous=NORMAL and
 * without automatic checkpoints (the worker folds the WAL in): its commits write their frames to
 * the WAL but do not fsync it, so the event loop never waits on the disk. That keeps FULL's promise
 * (no acknowledged write lost to a crash or a power cut) because:
 * - A crash of the process loses nothing at NORMAL either: a commit's frames are in the operating
 *   system's hands when it returns (the SIGKILL suites prove it).
 * - After a power cut, the WAL that survives is a prefix of the commits, in commit order, whoever
 *   made them: frames are checksummed in a chain, and recovery stops at the first frame that does
 *   not match. An fsync of the WAL makes every frame written before it durable: so a FULL commit of
 *   the worker makes durable every commit the service's connection made before it. (A checkpoint
 *   that restarts the WAL fsyncs the main file first, so frames folded into it stay durable too.)
 * - Written before the append that needs them, hence durable with it: data keys (getOrCreate runs
 *   before the events it seals are appended).
 * - Derived from events, after them, with the checkpoint last: reactor checkpoints, the jobs and
 *   webhook deliveries reactors add, a destroyed key the erasure reactor repeats. A power cut can
 *   take a suffix of these, never a checkpoint without the writes before it, so the reactor does
 *   them again from its checkpoint (idempotent by event id). What a job did outside (a mail sent)
 *   before its completion was lost is done again: at least once, as after a crash mid-job.
 * - Made by a request, with no append after them: a job a request enqueues (a mail with a code or
 *   link), an operator's retry or replay of a webhook delivery, a key destroyed by a request. These
 *   call `durable()` before they answer: a barrier joined to the worker's next commit, whose fsync
 *   covers them. Waiting for it is a promise, not a block.
 * - Credential last-use times are flushed once a minute from memory, so they are not promised to
 *   survive a crash at any setting.
 * At EMBEDDED_SYNC=normal, the worker does not fsync either: a power cut may lose the last commits
 * of both, in order.
 */
export async function openStores(
  config: Config,
  clock: () => Date,
  options: { appendThread?: URL; process?: ProcessRole } = {},
) {
  let sqlite: SqliteDatabase | null = null;
  // Other API processes on the same file (API_PROCESSES): what they write is looked for often.
  const others = (options.process?.count ?? 1) > 1;
  const embeddedEvents = !config.eventStoreUrl;
  const embedded = () =>
    (sqlite ??= openSqliteDatabase(
      join(config.dataDir, 'accounts.db'),
      embeddedEvents ? { synchronous: 'normal', autoCheckpoint: false } : { synchronous: config.embeddedSync },
    ));
  const sqliteEvents = embeddedEvents
    ? createSqliteEventStore(embedded(), clock, {
        appendWorker: { synchronous: config.embeddedSync, script: options.appendThread },
        watchOtherWritersMs: others ? OTHER_WRITERS_POLL_MS : undefined,
      })
    : null;
  const eventStore = sqliteEvents ?? (await openEsdbEventStore(config.eventStoreUrl!));
  // Without the worker, the service's connection fsyncs its own commits (EMBEDDED_SYNC).
  const durable = sqliteEvents?.durable;
  // Embedded read models get a file of their own: derived data, committed in batches, never backed up.
  let embeddedReads: SqliteReadStore | null = null;
  const readStore = config.mongoUrl
    ? await openMongoReadStore(config.mongoUrl)
    : (embeddedReads = openSqliteReadStore(join(config.dataDir, readModelsFile(options.process?.index)), {
        cache: new BoundedCache<string, Doc>(config.readCacheDocuments),
      }));
  const keyStore = config.mongoUrl
    ? await openMongoKeyStore(config.mongoUrl)
    : createSqliteKeyStore(embedded(), undefined, { durable });
  // Reactors act on the world, so their checkpoints must be durable as soon as written: MongoDB,
  // or accounts.db (not read-models.db, whose commits are batched and may be lost in a crash).
  const reactorCheckpoints = config.mongoUrl ? readStoreCheckpoints(readStore) : createSqliteCheckpoints(embedded());
  const usageStore: UsageStore = config.mongoUrl
    ? createReadStoreUsageStore(readStore)
    : createSqliteUsageStore(embedded());
  // Deliveries must outlive the process, as the reactor that records them does not act twice.
  const webhookDeliveries: WebhookDeliveryLog = config.mongoUrl
    ? createReadStoreWebhookDeliveryLog(readStore)
    : createSqliteWebhookDeliveryLog(embedded(), { durable });
  const queue = config.redisUrl
    ? await openBullmqJobQueue(config.redisUrl, { addTimeoutMs: config.queueAddTimeoutMs })
    : createSqliteJobQueue(embedded(), {
        clock: () => clock().getTime(),
        durable,
        // A job another process added (a mail a request there asked for) is found at the next look.
        ...(others ? { pollMs: OTHER_WRITERS_POLL_MS * 10 } : {}),
      });
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

/**
 * Embedded mode with API_PROCESSES: a process without a read-models file of its own starts from a
 * copy of the first one (SQLite's online backup, taken by the primary before any process runs), so
 * that it catches up from that file's checkpoints instead of building every read model from the
 * first event. Returns the copies made and how long each took.
 */
export async function seedReadModels(config: Config, processes: number): Promise<{ index: number; ms: number }[]> {
  const first = join(config.dataDir, readModelsFile(1));
  if (config.mongoUrl || !existsSync(first)) return [];
  const made: { index: number; ms: number }[] = [];
  for (let index = 2; index <= processes; index += 1) {
    const own = join(config.dataDir, readModelsFile(index));
    if (existsSync(own)) continue;
    const started = Date.now();
    await backupSqliteFile(first, own);
    made.push({ index, ms: Date.now() - started });
  }
  return made;
}

/** The mailer: SMTP when a URL is configured, else .eml files in DATA_DIR/mail. */
export function createMailer(config: Config, logger: Logger): Mailer {
  return config.smtpUrl
    ? createSmtpMailer({ url: config.smtpUrl, from: config.mailFrom, logger })
    : createEmlMailer({ dir: join(config.dataDir, 'mail'), from: config.mailFrom, logger });
}

/**
 * The keyed limits the accounts layer counts against (per address, account or name): in Redis when
 * REDIS_URL is set, else held by the cluster's primary when this is one of several API processes.
 */
export function keyedLimits(config: Config, cluster = false) {
  const keyedLimiter = (points: number, durationS: number, keyPrefix: string) =>
    createRateLimiter({ points, durationS, redisUrl: config.redisUrl, keyPrefix, cluster });
  return {
    issue: keyedLimiter(config.codeIssueLimit, 3600, 'issue'),
    failures: keyedLimiter(config.codeFailureLimit, 3600, 'failures'),
    // A name without an account locks exactly like an account does.
    unknownLogin: keyedLimiter(MAX_FAILED_LOGINS, LOCK_MS / 1000, 'unknown-login'),
    // Failed password sign-ins per name or address in the last hour: past CAPTCHA_AFTER_FAILURES a CAPTCHA is asked.
    signInFailures: keyedLimiter(Math.max(1, config.captcha?.afterFailures ?? 1), 3600, 'signin-failures'),
  };
}
