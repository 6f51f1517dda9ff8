import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BoundedCache } from '../../src/bounded-cache.js';
import { openSqliteReadStore, type SqliteReadStore } from '../../src/infra/readstore/sqlite.js';
import { isDuplicateKey, type Doc } from '../../src/ports/read-store.js';

/** What the SQLite read store adds to the contract: its file outlives it, and another process may share it. */
describe('ReadStore on SQLite: the file', () => {
  const opened: SqliteReadStore[] = [];
  const open = (file: string, cacheDocuments = 10, now?: () => number) => {
    const store = openSqliteReadStore(file, { cache: new BoundedCache<string, Doc>(cacheDocuments), now });
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });
  const newFile = () => join(mkdtempSync(join(tmpdir(), 'read-store-file-')), 'read-models.db');

  it('keeps documents, dates, bigints and indexes across a close and a reopen', async () => {
    const file = newFile();
    const first = open(file);
    const at = new Date('2026-06-01T12:00:00.000Z');
    await first.collection('users').createIndex({ keys: { email: 1 }, unique: true, sparse: true });
    await first
      .collection('users')
      .updateOne(
        { _id: 'a' },
        { $set: { email: 'a@example.test', at, big: 2n ** 70n, nested: { at } } },
        { upsert: true },
      );
    await first.close();

    const second = open(file);
    const users = second.collection('users');
    const found = await users.findOne({ email: 'a@example.test' });
    expect(found).toEqual({ _id: 'a', email: 'a@example.test', at, big: 2n ** 70n, nested: { at } });
    expect(found?.at).toBeInstanceOf(Date);
    await expect(
      users.updateOne({ _id: 'b' }, { $set: { email: 'a@example.test' } }, { upsert: true }),
    ).rejects.toSatisfy(isDuplicateKey);
    expect(await second.listCollections()).toEqual(['users']);
  });

  it('a write not yet committed is read on its own connection; flush commits it for another', async () => {
    const file = newFile();
    const writer = open(file);
    const reader = open(file);
    await writer.collection('docs').updateOne({ _id: 'x' }, { $set: { n: 1 } }, { upsert: true });
    expect(await writer.collection('docs').findOne({ _id: 'x' })).toEqual({ _id: 'x', n: 1 });
    await writer.flush();
    expect(await reader.collection('docs').findOne({ _id: 'x' })).toEqual({ _id: 'x', n: 1 });
  });

  it('two stores on one file (a worker, the CLI) both create the same index, and find each other’s documents by it', async () => {
    const file = newFile();
    const one = open(file);
    const other = open(file);
    await one.collection('sessions').updateOne({ _id: 's0' }, { $set: { userId: 'u' } }, { upsert: true });
    await one.flush();
    // `other` knew the table before the index existed.
    expect(await other.collection('sessions').countDocuments()).toBe(1);
    await one.collection('sessions').createIndex({ keys: { userId: 1 } });
    await one.flush();
    await other.collection('sessions').createIndex({ keys: { userId: 1 } });
    await other.collection('sessions').updateOne({ _id: 's1' }, { $set: { userId: 'u' } }, { upsert: true });
    await other.flush();
    expect((await one.collection('sessions').find({ userId: 'u' }, { sort: { _id: 1 } })).map((d) => d._id)).toEqual([
      's0',
      's1',
    ]);
  });

  it('holds at most its bound of parsed documents, however many it reads', async () => {
    const store = open(newFile(), 5);
    const docs = store.collection('docs');
    for (let i = 0; i < 40; i += 1) {
      await docs.updateOne({ _id: `d${i}` }, { $set: { n: i } }, { upsert: true });
      expect(store.cachedDocuments()).toBeLessThanOrEqual(5);
    }
    for (let i = 0; i < 40; i += 1) {
      expect(await docs.findOne({ _id: `d${i}` })).toEqual({ _id: `d${i}`, n: i });
      expect(store.cachedDocuments()).toBeLessThanOrEqual(5);
    }
    expect(await docs.countDocuments({ n: { $gte: 20 } })).toBe(20);
  });

  it('a document rewritten many times before a commit is read as its newest version by _id, by index and by scan, and committed so', async () => {
    const file = newFile();
    const store = open(file, 2);
    const docs = store.collection('sessions');
    await docs.createIndex({ keys: { userId: 1 } });
    for (let n = 0; n < 50; n += 1) {
      await docs.updateOne({ _id: 's1' }, { $set: { userId: `u${n}`, n } }, { upsert: true });
      // Other documents push s1 out of the two-document cache between its writes.
      await docs.updateOne({ _id: `other${n}` }, { $set: { userId: 'x', n } }, { upsert: true });
    }
    expect(await docs.findOne({ _id: 's1' })).toEqual({ _id: 's1', userId: 'u49', n: 49 });
    expect(await docs.find({ userId: 'u49' })).toEqual([{ _id: 's1', userId: 'u49', n: 49 }]);
    expect(await docs.find({ userId: 'u48' })).toEqual([]);
    expect(await docs.countDocuments({ n: { $gte: 49 } })).toBe(2);
    await docs.deleteOne({ _id: 'other3' });
    expect(await docs.findOne({ _id: 'other3' })).toBeNull();
    // An insert of an `_id` that is there, if only in the writes not yet in the table, is a clash.
    await expect(
      docs.updateOne({ _id: 's1', n: -1 }, { $set: { userId: 'again' } }, { upsert: true }),
    ).rejects.toSatisfy(isDuplicateKey);
    await store.flush();
    const other = open(file);
    expect(await other.collection('sessions').findOne({ _id: 's1' })).toEqual({ _id: 's1', userId: 'u49', n: 49 });
    expect(await other.collection('sessions').findOne({ _id: 'other3' })).toBeNull();
    expect(await other.collection('sessions').countDocuments()).toBe(50);
  });

  it('a checkpoint rewritten after every event is read as its newest by its own store, and another process sees only what was committed', async () => {
    const file = newFile();
    const service = open(file);
    const cli = open(file);
    const checkpoints = service.collection('_checkpoints');
    for (let position = 1; position <= 50; position += 1)
      await checkpoints.updateOne({ _id: 'me:1' }, { $set: { position } }, { upsert: true });
    expect(await checkpoints.findOne({ _id: 'me:1' })).toEqual({ _id: 'me:1', position: 50 });
    await service.flush();
    expect(await cli.collection('_checkpoints').findOne({ _id: 'me:1' })).toEqual({ _id: 'me:1', position: 50 });
    // The other process moves it; this one reads it fresh, not a version it held back or kept.
    await cli.collection('_checkpoints').updateOne({ _id: 'me:1' }, { $set: { position: 7 } });
    await cli.flush();
    expect(await checkpoints.findOne({ _id: 'me:1' })).toEqual({ _id: 'me:1', position: 7 });
    await checkpoints.deleteOne({ _id: 'me:1' });
    expect(await checkpoints.findOne({ _id: 'me:1' })).toBeNull();
    await service.flush();
    expect(await cli.collection('_checkpoints').findOne({ _id: 'me:1' })).toBeNull();
  });

  it('commits a few writes 25 ms after the first, and holds a streaming catch-up back until it stops or 1 s has passed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let now = 0;
      const file = newFile();
      const service = open(file, 10, () => now);
      const cli = open(file);
      const docs = service.collection('docs');
      const write = async (from: number, count: number) => {
        for (let n = from; n < from + count; n += 1)
          await docs.updateOne({ _id: `d${n}` }, { $set: { n } }, { upsert: true });
      };
      const committed = async () => (await cli.collection('docs').find({})).length;
      await write(0, 10);
      vi.advanceTimersByTime(25);
      expect(await committed()).toBe(10);
      // A thousand writes in one 25 ms window: a catch-up streaming; held while it goes on.
      await write(10, 1000);
      vi.advanceTimersByTime(25);
      expect(await committed()).toBe(10);
      // It stopped: the next tick commits.
      vi.advanceTimersByTime(25);
      expect(await committed()).toBe(1010);
      // Streaming for longer than a second: committed at the next tick all the same.
      await write(1010, 1000);
      vi.advanceTimersByTime(25);
      now += 1000;
      await write(2010, 1000);
      expect(await committed()).toBe(1010);
      vi.advanceTimersByTime(25);
      expect(await committed()).toBe(3010);
    } finally {
      vi.useRealTimers();
    }
  });

  it("folds its write-ahead log into the file on a thread of its own, not on the service's connection", async () => {
    const file = newFile();
    const store = open(file);
    const docs = store.collection('users');
    const before = statSync(file).size;
    for (let n = 0; n < 2000; n += 1)
      await docs.updateOne({ _id: `u${n}` }, { $set: { filler: 'x'.repeat(200) } }, { upsert: true });
    await store.flush();
    // The service's connection does not checkpoint: the file grows only when the thread has folded the log in.
    for (let waited = 0; statSync(file).size <= before && waited < 10_000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(statSync(file).size).toBeGreaterThan(before + 200 * 1000);
  });
});
