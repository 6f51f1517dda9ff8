/**
 * The production key store: one MongoDB collection, beside the read models but never dropped or
 * rebuilt with them. Documents: `{_id: subject, key: Binary | null, createdAt, destroyedAt}`.
 *
 * Destroying sets `key` to null. MongoDB may keep the old bytes on disk (WiredTiger pages, journal,
 * oplog, backups) until they are overwritten; erasure is as good as the server's retention.
 */
import { randomBytes } from 'node:crypto';
import { Binary, MongoClient, MongoServerError, type Document } from 'mongodb';
import { KeyDestroyedError, type KeyStore } from '../../ports/key-store.js';
import { KEY_STORE_COLLECTION, mongoDatabaseName } from '../readstore/mongo.js';

interface KeyDoc extends Document {
  _id: string;
  key: Binary | null;
  createdAt: Date;
  destroyedAt: Date | null;
}

const DUPLICATE_KEY = 11000;

const isDestroyed = (doc: KeyDoc | null): boolean => Boolean(doc && (doc.destroyedAt || !doc.key));

const keyOf = (doc: KeyDoc | null): Buffer | null => {
  if (!doc || isDestroyed(doc)) return null;
  const key: unknown = doc.key;
  if (key instanceof Binary) return Buffer.from(key.value());
  if (key instanceof Uint8Array) return Buffer.from(key);
  return null;
};

export async function openMongoKeyStore(url: string): Promise<KeyStore> {
  const client = new MongoClient(url);
  await client.connect();
  const db = client.db(mongoDatabaseName(url));
  // A lost key is lost data: acknowledge writes only once they are journaled on a majority.
  const keys = db.collection<KeyDoc>(KEY_STORE_COLLECTION, { writeConcern: { w: 'majority', journal: true } });

  return {
    async getOrCreate(subject) {
      // Most calls find the key: one read, no write.
      const existing = await keys.findOne({ _id: subject });
      if (existing) {
        const key = keyOf(existing);
        if (!key) throw new KeyDestroyedError(subject);
        return key;
      }
      // Insert-if-absent, race-safe between processes: whoever inserts first wins, everyone reads
      // back the winner's key. A document that appeared meanwhile (live or destroyed) is left untouched.
      try {
        await keys.updateOne(
          { _id: subject },
          { $setOnInsert: { key: new Binary(randomBytes(32)), createdAt: new Date(), destroyedAt: null } },
          { upsert: true },
        );
      } catch (error) {
        // Two concurrent upserts of the same _id: the loser's insert collides; the document exists.
        if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
      }
      const doc = await keys.findOne({ _id: subject });
      const key = keyOf(doc);
      if (!key) throw new KeyDestroyedError(subject);
      return key;
    },
    async get(subject) {
      return keyOf(await keys.findOne({ _id: subject }));
    },
    async getMany(subjects) {
      const found = new Map<string, Buffer>();
      if (subjects.length === 0) return found;
      for (const doc of await keys.find({ _id: { $in: subjects } }).toArray()) {
        const key = keyOf(doc);
        if (key) found.set(doc._id, key);
      }
      return found;
    },
    async destroy(subject) {
      const now = new Date();
      // One atomic pipeline update: drops the key, keeps the first destruction time (idempotent),
      // and leaves a tombstone for a subject never seen so it can never get a key later.
      await keys.updateOne(
        { _id: subject },
        [
          {
            $set: {
              key: null,
              destroyedAt: { $ifNull: ['$destroyedAt', now] },
              createdAt: { $ifNull: ['$createdAt', now] },
            },
          },
        ],
        { upsert: true },
      );
    },
    async isDestroyed(subject) {
      return isDestroyed(await keys.findOne({ _id: subject }));
    },
    async ping() {
      await db.command({ ping: 1 });
    },
    async close() {
      await client.close();
    },
  };
}
