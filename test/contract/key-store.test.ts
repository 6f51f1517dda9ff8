import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMongoKeyStore } from '../../src/infra/keystore/mongo.js';
import { createSqliteKeyStore } from '../../src/infra/keystore/sqlite.js';
import { openSqliteDatabase } from '../../src/infra/sqlite/database.js';
import { keyStoreContract } from './key-store.contract.js';

keyStoreContract('SQLite', async () => {
  const db = openSqliteDatabase(join(mkdtempSync(join(tmpdir(), 'keys-')), 'keys.db'));
  const keys = createSqliteKeyStore(db);
  return {
    ...keys,
    close: async () => {
      db.close();
    },
  };
});

const mongoUrl = process.env.MONGO_URL;
if (mongoUrl) keyStoreContract('MongoDB', () => openMongoKeyStore(mongoUrl));
else console.warn('MONGO_URL is not set: the MongoDB run of the key store contract is not run.');
