import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoundedCache } from '../../src/bounded-cache.js';
import { createMemoryReadStore } from '../../src/infra/readstore/memory.js';
import { openMongoReadStore } from '../../src/infra/readstore/mongo.js';
import { openSqliteReadStore } from '../../src/infra/readstore/sqlite.js';
import type { Doc } from '../../src/ports/read-store.js';
import { readStoreContract } from './read-store.contract.js';

readStoreContract('memory (mingo)', async () => createMemoryReadStore());
readStoreContract('SQLite in memory', async () =>
  openSqliteReadStore(':memory:', { cache: new BoundedCache<string, Doc>(100) }),
);
// A file, and a cache of two documents: most reads go to SQLite, not to the cache.
readStoreContract('SQLite file', async () =>
  openSqliteReadStore(join(mkdtempSync(join(tmpdir(), 'read-store-')), 'read-models.db'), {
    cache: new BoundedCache<string, Doc>(2),
  }),
);

const mongoUrl = process.env.MONGO_URL;
if (mongoUrl) readStoreContract('MongoDB', () => openMongoReadStore(mongoUrl));
else console.warn('MONGO_URL is not set: the MongoDB run of the read store contract is not run.');
