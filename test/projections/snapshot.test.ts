import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createSqliteEventStore } from '../../src/infra/eventstore/sqlite.js';
import { createSqliteKeyStore } from '../../src/infra/keystore/sqlite.js';
import { createMemoryReadStore } from '../../src/infra/readstore/memory.js';
import { createFileSnapshotStorage, SNAPSHOT_FILE } from '../../src/infra/snapshot/file.js';
import { openSqliteDatabase } from '../../src/infra/sqlite/database.js';
import { loadReadModelSnapshot, saveReadModelSnapshot } from '../../src/projections/snapshot.js';

describe('read-model snapshot versions', () => {
  it('is loaded by code whose read models have the versions it was taken with, and ignored by any other', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapshot-versions-'));
    const db = openSqliteDatabase(join(dir, 'accounts.db'));
    const eventStore = createSqliteEventStore(db);
    const keyStore = createSqliteKeyStore(db);
    await eventStore.append(
      'thing-1',
      [{ id: '5f0c7e4e-8f8e-4c43-9d43-2f0d7a1c9e01', type: 'Happened', data: {}, metadata: {} }],
      { expectedRevision: 'no_stream' },
    );
    const deps = (versions: Record<string, number>) => {
      const readStore = createMemoryReadStore();
      return {
        storage: createFileSnapshotStorage(join(dir, SNAPSHOT_FILE)),
        readStore,
        eventStore,
        keyStore,
        versions,
        logger: pino({ level: 'silent' }),
      };
    };
    const save = async () => {
      const saving = deps({ me: 3, lookups: 2 });
      await saving.readStore
        .collection('me_g1')
        .updateOne({ _id: 'u1' }, { $set: { username: 'x' } }, { upsert: true });
      await saveReadModelSnapshot(saving);
    };

    await save();
    const same = deps({ me: 3, lookups: 2 });
    expect(await loadReadModelSnapshot(same)).toBe(true);
    expect(await same.readStore.collection('me_g1').findOne({ _id: 'u1' })).toMatchObject({ username: 'x' });

    await save();
    const newer = deps({ me: 4, lookups: 2 });
    expect(await loadReadModelSnapshot(newer)).toBe(false);
    expect(await newer.readStore.listCollections()).toEqual([]);

    await save();
    const more = deps({ me: 3, lookups: 2, invites: 1 });
    expect(await loadReadModelSnapshot(more)).toBe(false);
    db.close();
  });
});
