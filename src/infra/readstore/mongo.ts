/**
 * The production read store: MongoDB through the official `mongodb` driver. Projectors' filters and
 * update documents go to the server unchanged; this file only adapts results and errors.
 */
import {
  MongoClient,
  MongoServerError,
  type Collection as MongoCollection,
  type Db,
  type Document,
  type Filter as MongoFilter,
  type UpdateFilter,
} from 'mongodb';
import {
  DuplicateKeyError,
  TOMBSTONE,
  type Collection,
  type Doc,
  type Filter,
  type FindOptions,
  type IndexSpec,
  type ReadStore,
  type UpdateDocument,
  type UpdateResult,
} from '../../ports/read-store.js';

/** Lives in the same database but belongs to the key store: read models never list, touch or drop it. */
export const KEY_STORE_COLLECTION = 'keystore';

/** The database named in the URL's path (`mongodb://host/<db>?...`), `accounts` when there is none. */
export const mongoDatabaseName = (url: string): string => {
  const path = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(url)?.[1];
  return path ? decodeURIComponent(path) : 'accounts';
};

interface StoredDoc extends Document {
  _id: string;
}

const DUPLICATE_KEY = 11000;

/** Documents are written with string ids; anything else (written by another tool) reads as its string form. */
const withStringId = <T>(doc: Document | null): T | null => {
  if (doc && doc._id !== undefined && typeof doc._id !== 'string') return { ...doc, _id: String(doc._id) } as T;
  return doc as T | null;
};

/**
 * Every filter sent to the server, in this one place: tombstones are left out unless the filter
 * names `_deleted` (see TOMBSTONE in the port). An upsert's `$ne` adds nothing to the inserted document.
 */
const visible = (filter: Filter): MongoFilter<StoredDoc> =>
  (TOMBSTONE in filter ? filter : { ...filter, [TOMBSTONE]: { $ne: true } }) as MongoFilter<StoredDoc>;

// Reads ask for int64 as bigint so that a bigint written (BSON int64) comes back as a bigint, as in
// the memory adapter. JS numbers are always written as int32 or double, so they stay numbers.
const READ_OPTIONS = { useBigInt64: true } as const;

class MongoReadCollection<T extends Doc> implements Collection<T> {
  constructor(
    readonly name: string,
    private readonly collection: MongoCollection<StoredDoc>,
  ) {}

  private async mapErrors<R>(operation: () => Promise<R>): Promise<R> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) {
        throw new DuplicateKeyError(this.name, error.keyValue ?? error.errmsg ?? error.message);
      }
      throw error;
    }
  }

  async findOne(filter: Filter) {
    return withStringId<T>(await this.collection.findOne(visible(filter), READ_OPTIONS));
  }

  async find(filter: Filter, options: FindOptions = {}) {
    // Mongo reads limit 0 as "no limit"; the port (and the memory adapter) as "nothing".
    if (options.limit === 0) return [];
    const docs = await this.collection
      .find(visible(filter), {
        ...READ_OPTIONS,
        ...(options.sort ? { sort: options.sort } : {}),
        ...(options.limit !== undefined ? { limit: options.limit } : {}),
        ...(options.skip !== undefined ? { skip: options.skip } : {}),
        ...(options.projection ? { projection: options.projection } : {}),
      })
      .toArray();
    return docs.map((doc) => withStringId<T>(doc)!);
  }

  async countDocuments(filter: Filter = {}) {
    return this.collection.countDocuments(visible(filter));
  }

  async updateOne(filter: Filter, update: UpdateDocument, options: { upsert?: boolean } = {}): Promise<UpdateResult> {
    // Without an _id in the filter Mongo would insert a generated ObjectId; the memory adapter refuses too.
    if (options.upsert && typeof filter._id !== 'string') {
      throw new Error(`${this.name}: an upsert needs an _id in its filter`);
    }
    const result = await this.mapErrors(() =>
      this.collection.updateOne(visible(filter), update as UpdateFilter<StoredDoc>, {
        upsert: Boolean(options.upsert),
      }),
    );
    return {
      matchedCount: result.matchedCount,
      modifiedCount: result.modifiedCount,
      upsertedCount: result.upsertedCount,
    };
  }

  async updateMany(filter: Filter, update: UpdateDocument): Promise<UpdateResult> {
    const result = await this.mapErrors(() =>
      this.collection.updateMany(visible(filter), update as UpdateFilter<StoredDoc>),
    );
    return {
      matchedCount: result.matchedCount,
      modifiedCount: result.modifiedCount,
      upsertedCount: result.upsertedCount,
    };
  }

  async deleteOne(filter: Filter) {
    const result = await this.collection.deleteOne(visible(filter));
    return { deletedCount: result.deletedCount };
  }

  async deleteMany(filter: Filter) {
    const result = await this.collection.deleteMany(visible(filter));
    return { deletedCount: result.deletedCount };
  }

  async tombstone(filter: Filter, stamp: number, at: Date) {
    // An update with a pipeline (MongoDB 4.2+) replaces each matched document in place, atomically
    // per document; the filter's own conditions (the caller's `_pos` guard) hold at the write.
    const result = await this.mapErrors(() =>
      this.collection.updateMany(visible(filter), [
        { $replaceWith: { _id: '$_id', _pos: { $literal: stamp }, [TOMBSTONE]: true, _deleted_at: { $literal: at } } },
      ]),
    );
    return { tombstonedCount: result.matchedCount };
  }

  async createIndex(spec: IndexSpec) {
    const [firstKey] = Object.keys(spec.keys);
    await this.mapErrors(() =>
      this.collection.createIndex(spec.keys, {
        unique: Boolean(spec.unique),
        // The port's "sparse" is "indexed only where the first key exists"; Mongo's own `sparse`
        // differs for compound keys, a partial index says exactly that.
        ...(spec.sparse && firstKey ? { partialFilterExpression: { [firstKey]: { $exists: true } } } : {}),
      }),
    );
  }

  async drop() {
    // The driver ignores "namespace not found", so dropping a missing collection is fine.
    await this.collection.drop();
  }
}

export async function openMongoReadStore(url: string): Promise<ReadStore> {
  const client = new MongoClient(url);
  await client.connect();
  const db: Db = client.db(mongoDatabaseName(url));
  const collections = new Map<string, MongoReadCollection<Doc>>();

  return {
    durable: true,
    shared: true,
    collection<T extends Doc = Doc>(name: string): Collection<T> {
      if (name === KEY_STORE_COLLECTION) throw new Error(`${name} belongs to the key store`);
      let collection = collections.get(name);
      if (!collection) {
        collection = new MongoReadCollection<Doc>(name, db.collection<StoredDoc>(name));
        collections.set(name, collection);
      }
      return collection as unknown as Collection<T>;
    },
    async listCollections() {
      const infos = await db.listCollections({}, { nameOnly: true }).toArray();
      return infos
        .map((info) => info.name)
        .filter((name) => !name.startsWith('system.') && name !== KEY_STORE_COLLECTION);
    },
    // Every write is acknowledged by the server when it returns: nothing waits here.
    async flush() {},
    async ping() {
      await db.command({ ping: 1 });
    },
    async close() {
      await client.close();
    },
  };
}
