import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase } from '../../src/infra/sqlite/database.js';
import { createSqliteEventStore } from '../../src/infra/eventstore/sqlite.js';
import { openEsdbEventStore } from '../../src/infra/eventstore/esdb.js';
import { eventStoreContract } from './event-store.contract.js';

eventStoreContract('SQLite', async () => {
  const db = openSqliteDatabase(join(mkdtempSync(join(tmpdir(), 'es-')), 'events.db'));
  const store = createSqliteEventStore(db);
  const close = store.close;
  return { ...store, close: async () => { await close(); db.close(); } };
});

const esdbUrl = process.env.EVENTSTORE_URL;
if (esdbUrl) eventStoreContract('EventStoreDB', () => openEsdbEventStore(esdbUrl));
else console.warn('EVENTSTORE_URL is not set: the EventStoreDB run of the event store contract is not run.');
