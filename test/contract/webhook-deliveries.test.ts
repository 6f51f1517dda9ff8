import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryReadStore } from '../../src/infra/readstore/memory.js';
import { openMongoReadStore } from '../../src/infra/readstore/mongo.js';
import { createReadStoreWebhookDeliveryLog } from '../../src/infra/readstore/webhook-deliveries.js';
import { openSqliteDatabase } from '../../src/infra/sqlite/database.js';
import { createSqliteWebhookDeliveryLog } from '../../src/infra/sqlite/webhook-deliveries.js';
import { webhookDeliveryLogContract } from './webhook-deliveries.contract.js';

webhookDeliveryLogContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deliveries-'));
  const db = openSqliteDatabase(join(dir, 'deliveries.db'));
  return {
    log: createSqliteWebhookDeliveryLog(db),
    close: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

webhookDeliveryLogContract('read store over memory (mingo)', async () => {
  const readStore = createMemoryReadStore();
  return { log: createReadStoreWebhookDeliveryLog(readStore), close: () => readStore.close() };
});

const mongoUrl = process.env.MONGO_URL;
if (mongoUrl) {
  webhookDeliveryLogContract('read store over MongoDB', async () => {
    const readStore = await openMongoReadStore(mongoUrl);
    return { log: createReadStoreWebhookDeliveryLog(readStore), close: () => readStore.close() };
  });
} else console.warn('MONGO_URL is not set: the MongoDB run of the webhook delivery log contract is not run.');
