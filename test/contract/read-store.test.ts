import { createMemoryReadStore } from '../../src/infra/readstore/memory.js';
import { openMongoReadStore } from '../../src/infra/readstore/mongo.js';
import { readStoreContract } from './read-store.contract.js';

readStoreContract('memory (mingo)', async () => createMemoryReadStore());

const mongoUrl = process.env.MONGO_URL;
if (mongoUrl) readStoreContract('MongoDB', () => openMongoReadStore(mongoUrl));
else console.warn('MONGO_URL is not set: the MongoDB run of the read store contract is not run.');
