/** What the composition root (service.ts) hands out: the running service, as the CLI, main and tests use it. */
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { Accounts } from './accounts/index.js';
import type { ProcessRole } from './cluster/messages.js';
import type { Config } from './config.js';
import type { RouteEntry } from './http/auth.js';
import type { FlatRouter } from './http/router.js';
import type { EventStore } from './ports/event-store.js';
import type { JobQueue } from './ports/job-queue.js';
import type { KeyStore } from './ports/key-store.js';
import type { Mailer } from './ports/mailer.js';
import type { PasswordHasher } from './ports/password-hasher.js';
import type { ReadStore } from './ports/read-store.js';
import type { ProjectionRunner } from './projections/runner.js';
import type { DeliveryAdmin } from './webhooks/delivery-admin.js';
import type { WebhookEndpoints } from './webhooks/endpoints.js';

export interface ServiceOptions {
  clock?: () => Date;
  logger?: Logger;
  /** Embedded mode: the script of the event store's append thread (tests give one that fails on purpose). */
  appendThread?: URL;
  /** One of API_PROCESSES processes: its number and how many there are (src/cluster). */
  process?: ProcessRole;
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
  /** Webhook endpoints and their deliveries (the operator's CLI uses them too). */
  webhooks: { endpoints: WebhookEndpoints; deliveries: DeliveryAdmin };
  /** Every API route and who may call it. */
  routeTable: RouteEntry[];
  /** The express application, and the flat table that routes every request (tests walk both). */
  http: Express & { flatRouter: FlatRouter };
  hasher: PasswordHasher;
  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number>;
  close(): Promise<void>;
}
