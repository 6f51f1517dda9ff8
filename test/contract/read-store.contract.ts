import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDuplicateKey, type Collection, type Doc, type ReadStore } from '../../src/ports/read-store.js';

export function readStoreContract(name: string, open: () => Promise<ReadStore>) {
  describe(`ReadStore contract: ${name}`, () => {
    let store: ReadStore;
    let users: Collection<Doc>;
    beforeEach(async () => {
      store = await open();
      users = store.collection(`c${randomUUID().replaceAll('-', '')}`);
    });
    afterEach(async () => {
      await users.drop();
      await store.close();
    });

    it('upserts from the filter and update, then updates with Mongo operators', async () => {
      await users.updateOne(
        { _id: 'u1' },
        { $set: { name: 'ada', tags: ['a'] }, $setOnInsert: { created: 1 } },
        { upsert: true },
      );
      await users.updateOne(
        { _id: 'u1' },
        { $set: { name: 'ada l' }, $setOnInsert: { created: 2 }, $inc: { logins: 1 }, $addToSet: { tags: 'b' } },
        { upsert: true },
      );
      await users.updateOne({ _id: 'u1' }, { $addToSet: { tags: 'b' }, $unset: { missing: '' } });
      await users.updateOne({ _id: 'u1' }, { $pull: { tags: 'a' } });
      expect(await users.findOne({ _id: 'u1' })).toEqual({
        _id: 'u1',
        name: 'ada l',
        tags: ['b'],
        created: 1,
        logins: 1,
      });
    });

    it('an update that matches nothing changes nothing, and a conditional upsert on a newer document is a duplicate key', async () => {
      await users.updateOne({ _id: 'u1' }, { $set: { _pos: 5 } }, { upsert: true });
      expect((await users.updateOne({ _id: 'u2' }, { $set: { x: 1 } })).matchedCount).toBe(0);
      expect(await users.findOne({ _id: 'u2' })).toBeNull();
      const stale = users.updateOne(
        { _id: 'u1', _pos: { $lt: 3 } },
        { $set: { _pos: 3, name: 'old' } },
        { upsert: true },
      );
      await expect(stale).rejects.toSatisfy(isDuplicateKey);
      expect(await users.findOne({ _id: 'u1' })).toEqual({ _id: 'u1', _pos: 5 });
    });

    it("a read model's write, by _id and older stamp, matches as Mongo does: no stamp, an older one, not a newer or equal one, not a tombstone, arrays by their members", async () => {
      const olderThan = (id: string, stamp: number) => ({ _id: id, _pos: { $not: { $gte: stamp } } });
      const write = (id: string, stamp: number) =>
        users.updateMany(olderThan(id, stamp), { $set: { _pos: stamp, seen: stamp } });
      await users.updateOne({ _id: 'none' }, { $set: { name: 'no stamp' } }, { upsert: true });
      await users.updateOne({ _id: 'old' }, { $set: { _pos: 3 } }, { upsert: true });
      await users.updateOne({ _id: 'new' }, { $set: { _pos: 9 } }, { upsert: true });
      await users.updateOne({ _id: 'low' }, { $set: { _pos: [1, 2] } }, { upsert: true });
      await users.updateOne({ _id: 'high' }, { $set: { _pos: [1, 7] } }, { upsert: true });
      await users.updateOne({ _id: 'gone' }, { $set: { _pos: 1 } }, { upsert: true });
      await users.tombstone({ _id: 'gone' }, 2, new Date('2026-01-01T00:00:00.000Z'));
      const matched = async (id: string) => (await write(id, 5)).matchedCount;
      expect([await matched('none'), await matched('old'), await matched('new')]).toEqual([1, 1, 0]);
      expect([await matched('low'), await matched('high'), await matched('gone'), await matched('absent')]).toEqual([
        1, 0, 0, 0,
      ]);
      expect((await write('new', 9)).matchedCount).toBe(0);
      expect(await users.findOne({ _id: 'old' })).toEqual({ _id: 'old', _pos: 5, seen: 5 });
      expect(await users.findOne({ _id: 'new' })).toEqual({ _id: 'new', _pos: 9 });
      // An upsert with the guard inserts where nothing is, and is a duplicate key on a newer document.
      await users.updateOne(olderThan('fresh', 4), { $set: { _pos: 4 } }, { upsert: true });
      expect(await users.findOne({ _id: 'fresh' })).toEqual({ _id: 'fresh', _pos: 4 });
      await expect(users.updateOne(olderThan('new', 6), { $set: { _pos: 6 } }, { upsert: true })).rejects.toSatisfy(
        isDuplicateKey,
      );
    });

    it('finds with Mongo queries, sort, skip, limit and projection', async () => {
      for (let i = 0; i < 10; i += 1) {
        await users.updateOne(
          { _id: `u${i}` },
          { $set: { n: i, even: i % 2 === 0, name: `user${i}` } },
          { upsert: true },
        );
      }
      const found = await users.find(
        { even: true, n: { $gte: 2 } },
        { sort: { n: -1 }, skip: 1, limit: 2, projection: { n: 1 } },
      );
      expect(found).toEqual([
        { _id: 'u6', n: 6 },
        { _id: 'u4', n: 4 },
      ]);
      expect(await users.countDocuments({ n: { $in: [1, 2, 3] } })).toBe(3);
      expect(await users.countDocuments()).toBe(10);
      expect((await users.find({ $or: [{ n: 1 }, { name: 'user9' }] }, { sort: { n: 1 } })).map((d) => d._id)).toEqual([
        'u1',
        'u9',
      ]);
      expect(await users.findOne({ name: { $regex: '^user7$' } })).toMatchObject({ _id: 'u7' });
    });

    it('pages in _id order from a bound, with a filter, both ways, past tombstones', async () => {
      for (let i = 0; i < 10; i += 1)
        await users.updateOne({ _id: `u${i}` }, { $set: { n: i, even: i % 2 === 0 } }, { upsert: true });
      await users.tombstone({ _id: 'u5' }, 1, new Date('2026-06-01T12:00:00.000Z'));
      const ids = (docs: Doc[]) => docs.map((d) => d._id);
      expect(ids(await users.find({ even: true, _id: { $gt: 'u2' } }, { sort: { _id: 1 }, limit: 2 }))).toEqual([
        'u4',
        'u6',
      ]);
      expect(ids(await users.find({ _id: { $lt: 'u8' } }, { sort: { _id: -1 }, skip: 1, limit: 3 }))).toEqual([
        'u6',
        'u4',
        'u3',
      ]);
      expect(await users.find({ _id: { $gt: 'u7' } }, { sort: { _id: 1 }, projection: { n: 1 } })).toEqual([
        { _id: 'u8', n: 8 },
        { _id: 'u9', n: 9 },
      ]);
      expect(ids(await users.find({}, { sort: { _id: -1 }, limit: 2 }))).toEqual(['u9', 'u8']);
      expect(await users.find({}, { sort: { _id: 1 }, limit: 0 })).toEqual([]);
    });

    it('updateMany and deleteMany touch every match and nothing else', async () => {
      for (const [id, owner] of [
        ['s1', 'a'],
        ['s2', 'a'],
        ['s3', 'b'],
      ] as const) {
        await users.updateOne({ _id: id }, { $set: { owner, live: true } }, { upsert: true });
      }
      expect((await users.updateMany({ owner: 'a' }, { $set: { live: false } })).matchedCount).toBe(2);
      expect((await users.find({ live: true })).map((d) => d._id)).toEqual(['s3']);
      expect((await users.deleteMany({ owner: 'a' })).deletedCount).toBe(2);
      expect((await users.deleteOne({ _id: 's3' })).deletedCount).toBe(1);
      expect(await users.countDocuments()).toBe(0);
    });

    it('a unique index refuses a second holder, and a sparse one ignores documents without the field', async () => {
      await users.createIndex({ keys: { email: 1 }, unique: true, sparse: true });
      await users.updateOne({ _id: 'a' }, { $set: { email: 'x@example.test' } }, { upsert: true });
      await users.updateOne({ _id: 'b' }, { $set: { other: 1 } }, { upsert: true });
      await users.updateOne({ _id: 'c' }, { $set: { other: 2 } }, { upsert: true });
      await expect(users.updateOne({ _id: 'b' }, { $set: { email: 'x@example.test' } })).rejects.toSatisfy(
        isDuplicateKey,
      );
      expect(await users.findOne({ email: 'x@example.test' })).toMatchObject({ _id: 'a' });
      await users.updateOne({ _id: 'a' }, { $set: { email: 'y@example.test' } });
      expect(await users.findOne({ email: 'x@example.test' })).toBeNull();
      expect(await users.findOne({ email: 'y@example.test' })).toMatchObject({ _id: 'a' });
    });

    it('a tombstone replaces what it matches, keeps only its stamp, and no operation sees it unless it names _deleted', async () => {
      await users.createIndex({ keys: { email: 1 }, unique: true, sparse: true });
      await users.updateOne(
        { _id: 'a', _pos: { $lt: 2 } },
        { $set: { _pos: 2, email: 'x@example.test', owner: 'o' } },
        { upsert: true },
      );
      await users.updateOne({ _id: 'b' }, { $set: { _pos: 9, owner: 'o' } }, { upsert: true });
      await users.updateOne({ _id: 'c' }, { $set: { _pos: 1, owner: 'p' } }, { upsert: true });
      const at = new Date('2026-06-01T12:00:00.000Z');
      // `b` is newer than the stamp: the caller's guard keeps it.
      expect((await users.tombstone({ owner: 'o', _pos: { $not: { $gte: 5 } } }, 5, at)).tombstonedCount).toBe(1);

      expect(await users.findOne({ _id: 'a' })).toBeNull();
      expect(await users.findOne({ email: 'x@example.test' })).toBeNull();
      expect((await users.find({}, { sort: { _id: 1 } })).map((d) => d._id)).toEqual(['b', 'c']);
      expect(await users.countDocuments()).toBe(2);
      expect(await users.countDocuments({ _pos: { $gte: 0 } })).toBe(2);
      expect((await users.updateMany({}, { $set: { seen: true } })).matchedCount).toBe(2);
      expect((await users.updateOne({ _id: 'a' }, { $set: { seen: true } })).matchedCount).toBe(0);
      expect((await users.deleteMany({ _id: 'a' })).deletedCount).toBe(0);
      expect(await users.findOne({ _id: 'a', _deleted: true })).toEqual({
        _id: 'a',
        _pos: 5,
        _deleted: true,
        _deleted_at: at,
      });
      // An older upsert of the same _id finds no live document and cannot insert over the tombstone.
      const stale = users.updateOne(
        { _id: 'a', _pos: { $not: { $gte: 3 } } },
        { $set: { _pos: 3, email: 'x@example.test' } },
        { upsert: true },
      );
      await expect(stale).rejects.toSatisfy(isDuplicateKey);
      // The unique index no longer holds the tombstone's former email.
      await users.updateOne({ _id: 'c' }, { $set: { email: 'x@example.test' } });
      expect(await users.findOne({ email: 'x@example.test' })).toMatchObject({ _id: 'c' });
      // A filter naming _deleted reaches tombstones, e.g. to purge them or to bring one back.
      expect(
        (
          await users.updateOne(
            { _id: 'a', _deleted: true },
            { $set: { _pos: 7, n: 1 }, $unset: { _deleted: '', _deleted_at: '' } },
          )
        ).matchedCount,
      ).toBe(1);
      expect(await users.findOne({ _id: 'a' })).toEqual({ _id: 'a', _pos: 7, n: 1 });
      await users.tombstone({ _id: 'c' }, 8, at);
      expect(
        (await users.deleteMany({ _deleted: true, _deleted_at: { $lt: new Date(at.getTime() + 1) } })).deletedCount,
      ).toBe(1);
      expect(await users.findOne({ _id: 'c', _deleted: true })).toBeNull();
      expect(await users.countDocuments()).toBe(2);
    });

    it('pushes and pulls array members by a field', async () => {
      await users.updateOne(
        { _id: 'r' },
        { $set: { generation: 2 }, $push: { retired: { generation: 1, at: 10 } } },
        { upsert: true },
      );
      await users.updateOne({ _id: 'r' }, { $push: { retired: { generation: 2, at: 20 } } });
      await users.updateOne({ _id: 'r' }, { $pull: { retired: { generation: 1 } } });
      await users.updateOne({ _id: 'r' }, { $pull: { retired: { generation: 1 } } });
      expect(await users.findOne({ _id: 'r' })).toEqual({
        _id: 'r',
        generation: 2,
        retired: [{ generation: 2, at: 20 }],
      });
    });

    it('drop empties a collection', async () => {
      await users.updateOne({ _id: 'a' }, { $set: { n: 1 } }, { upsert: true });
      expect(await store.listCollections()).toContain(users.name);
      await users.drop();
      expect(await users.countDocuments()).toBe(0);
      await store.ping();
    });
  });
}
