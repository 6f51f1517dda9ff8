/** The reactors (erasure; events into jobs) and, with WORKERS=inline, the job processors in this process. */
import type { Logger } from 'pino';
import { USERS, verifiedEmailOf } from '../../projections/me.js';
import { jobsReaction, startWorkers } from '../../workers/index.js';
import type { Claims } from '../accounts/claims.js';
import { erasureReaction } from '../accounts/erasure.js';
import type { Accounts } from '../accounts/index.js';
import type { LoginUseCases } from '../login-methods/index.js';
import type { Config } from '../config.js';
import type { EventCodec } from '../events/codec.js';
import type { CheckpointStore } from '../ports/checkpoint-store.js';
import type { EventStore } from '../ports/event-store.js';
import type { JobProcessor, JobQueue } from '../ports/job-queue.js';
import type { KeyStore } from '../ports/key-store.js';
import type { Mailer } from '../ports/mailer.js';
import type { ProjectionRunner } from '../projections/runner.js';
import { type Reaction, Reactor } from '../reactors/reactor.js';
import { WEBHOOK_ENDPOINTS } from '../../projections/webhooks.js';
import { type DeliveryJob, WEBHOOK_DELIVERY } from '../webhooks/lines.js';

/** The checkpoints of the reactors `createReactors` makes (`reactor:<reaction name>`), for the operator's CLI. */
export const REACTOR_CHECKPOINTS = ['reactor:erasure', 'reactor:jobs', 'reactor:webhooks'] as const;

/** Builds the reactors, unstarted: erasure runs in every process, jobs and webhooks only where the workers run. */
export function createReactors(deps: {
  eventStore: EventStore;
  checkpoints: CheckpointStore;
  codec: EventCodec;
  logger: Logger;
  keyStore: KeyStore;
  claims: Claims;
  queue: JobQueue;
  clock: () => Date;
  runner: ProjectionRunner;
  /** Events into webhook deliveries (composition/webhooks.ts). */
  webhooks: Reaction;
}): { erasure: Reactor; jobs: Reactor; webhooks: Reactor } {
  const { eventStore, checkpoints, codec, logger, keyStore, claims, queue, clock, runner } = deps;
  const reactorDeps = { eventStore, checkpoints, codec, logger };
  const erasure = new Reactor(reactorDeps, erasureReaction({ keyStore, codec, claims }));
  const verifiedEmail = async (userId: string) =>
    verifiedEmailOf(await runner.collection('me', USERS).findOne({ _id: userId }));
  // An admin granted, or an endpoint made, just before the event must be seen: both read models first reach it.
  const showing = async (position: bigint) => {
    if (!(await runner.waitFor(position, ['me', 'webhooks'], 30_000)))
      throw new Error('the me and webhooks read models did not catch up; trying again');
  };
  const jobs = new Reactor(
    reactorDeps,
    jobsReaction({
      queue,
      clock,
      verifiedEmailOf: verifiedEmail,
      adminsAt: async (position) => {
        await showing(position);
        // A disabled admin is told nothing; a deleted one has no document left.
        const admins = await runner
          .collection('me', USERS)
          .find({ role: { $in: ['admin', 'superadmin'] }, disabled: { $ne: true } });
        return admins.flatMap((doc) => {
          const email = verifiedEmailOf(doc);
          return email ? [{ userId: doc._id, email }] : [];
        });
      },
      webhookUrlAt: async (endpointId, position) => {
        await showing(position);
        const endpoint = await runner.collection('webhooks', WEBHOOK_ENDPOINTS).findOne({ _id: endpointId });
        return typeof endpoint?.url === 'string' ? endpoint.url : null;
      },
    }),
  );
  const webhooks = new Reactor(reactorDeps, deps.webhooks);
  return { erasure, jobs, webhooks };
}

/** Registers every job processor on the queue, in this process (WORKERS=inline). */
export function startInlineWorkers(deps: {
  config: Config;
  queue: JobQueue;
  mailer: Mailer;
  accounts: Accounts;
  /** The email-code login's halves of its jobs. */
  emailCodes: Pick<LoginUseCases, 'expireChallenge' | 'fulfilLoginCode'>;
  /** Sends one webhook delivery (src/webhooks/delivery-worker.ts). */
  deliverWebhook: JobProcessor<DeliveryJob>;
}) {
  const { config, queue, mailer, accounts, emailCodes } = deps;
  queue.process<DeliveryJob>(WEBHOOK_DELIVERY, deps.deliverWebhook, { concurrency: 8 });
  startWorkers({
    queue,
    mailer,
    mail: { serviceName: config.serviceName, publicUrl: config.publicUrl, linkBaseUrl: config.linkBaseUrl },
    expireChallenge: emailCodes.expireChallenge,
    fulfilPasswordReset: accounts.fulfilPasswordReset,
    fulfilNewDeviceNotice: accounts.fulfilNewDeviceNotice,
    fulfilLoginCode: emailCodes.fulfilLoginCode,
  });
}
