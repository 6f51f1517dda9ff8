import { afterAll, beforeAll } from 'vitest';
import { register, startServer, type TestServer } from './server.js';
import { type Receiver, startReceiver } from './webhook-receiver.js';

/** What the webhook tests of a file share: a server that may deliver to loopback, its superadmin, a receiver. */
export interface WebhookTestbed {
  server: TestServer;
  /** The first account, hence the superadmin. */
  admin: Awaited<ReturnType<typeof register>>;
  receiver: Receiver;
}

/**
 * Starts the testbed before the file's (or the describe block's) tests and closes it after them:
 * its fields are there from the first test on. Deliveries go over plain HTTP to 127.0.0.1 only.
 */
export function webhookTestbed(): WebhookTestbed {
  const bed = {} as WebhookTestbed;
  beforeAll(async () => {
    bed.receiver = await startReceiver();
    bed.server = await startServer({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true' });
    bed.admin = await register(bed.server);
  });
  afterAll(async () => {
    await bed.server?.close();
    await bed.receiver?.close();
  });
  return bed;
}
