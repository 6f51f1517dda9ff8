/**
 * MingoCollection: what the memory and SQLite collections share. Both hold frozen documents,
 * test filters with mingo and apply Mongo's update operators in code; they differ only in how they
 * find the candidates of a filter and where a written document goes. So the writes of the port are
 * written once here, over the steps each adapter gives: `byId`, `matching`, `put`, `insert` and
 * `remove`.
 */
import { Query } from 'mingo';
import {
  TOMBSTONE,
  type Collection,
  type Doc,
  type Filter,
  type FindOptions,
  type IndexSpec,
  type UpdateDocument,
  type UpdateResult,
} from '../../ports/read-store.js';
import { idAndStamp, updated, upsertSeed } from './memory-query.js';

/** Frozen through and through: documents are handed out without a copy, so nobody may change one. */
export const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
};

/** How many compiled filters a collection keeps; projectors and readers use a few shapes each. */
const QUERY_CACHE_LIMIT = 1000;

export abstract class MingoCollection<T extends Doc> implements Collection<T> {
  private readonly queries = new Map<string, Query>();

  constructor(readonly name: string) {}

  /** The compiled mingo query of a filter, kept: compiling costs more than most tests. */
  protected query(filter: Filter): Query {
    const key = JSON.stringify(filter);
    let query = this.queries.get(key);
    if (!query) {
      query = new Query(filter, {});
      if (this.queries.size > QUERY_CACHE_LIMIT) this.queries.clear();
      this.queries.set(key, query);
    }
    return query;
  }

  /** The (live, unless the filter names `_deleted`) documents matching `filter`, at most `limit`. */
  protected abstract matching(filter: Filter, limit?: number): T[];
  /** Writes `next` over `previous`; a unique index clash is a DuplicateKeyError. */
  protected abstract put(next: T, previous: T): void;
  /** Inserts a new document; one with its `_id` already there (a tombstone too) is a DuplicateKeyError. */
  protected abstract insert(doc: T): void;
  protected abstract remove(doc: T): void;
  /** The document (or tombstone) with this `_id`, from the adapter's fastest path. */
  protected abstract byId(id: string): T | null;

  async findOne(filter: Filter) {
    // The hottest lookup of all, `{_id}` alone, straight from the adapter's fastest path.
    const id = filter._id;
    if (typeof id === 'string') {
      let only = true;
      for (const field in filter)
        if (field !== '_id') {
          only = false;
          break;
        }
      if (only) {
        const doc = this.byId(id);
        return doc !== null && doc[TOMBSTONE] !== true ? doc : null;
      }
    }
    return this.matching(filter, 1)[0] ?? null;
  }

  abstract find(filter: Filter, options?: FindOptions): Promise<T[]>;
  abstract countDocuments(filter?: Filter): Promise<number>;
  abstract createIndex(spec: IndexSpec): Promise<void>;
  abstract drop(): Promise<void>;

  /**
   * What a write's filter matches: by `_id` and stamp straight from `byId` for the read models'
   * writes (see idAndStamp), else `matching`. Mongo's rules for a `_pos` that is not a number
   * (an array, say) are left to mingo.
   */
  private toWrite(filter: Filter, limit = Infinity): T[] {
    const lookup = idAndStamp(filter);
    if (!lookup) return this.matching(filter, limit);
    const doc = this.byId(lookup.id);
    if (doc === null || doc[TOMBSTONE] === true) return [];
    const stamp = doc._pos;
    if (stamp === undefined || stamp === null) return [doc];
    if (typeof stamp !== 'number') return this.matching(filter, limit);
    return stamp >= lookup.below ? [] : [doc];
  }

  async updateOne(filter: Filter, update: UpdateDocument, options: { upsert?: boolean } = {}): Promise<UpdateResult> {
    const [doc] = this.toWrite(filter, 1);
    if (doc) {
      this.put(updated(this.name, doc, update, false), doc);
      return { matchedCount: 1, modifiedCount: 1, upsertedCount: 0 };
    }
    if (!options.upsert) return { matchedCount: 0, modifiedCount: 0, upsertedCount: 0 };
    const seed = upsertSeed(filter);
    if (typeof seed._id !== 'string') throw new Error(`${this.name}: an upsert needs an _id in its filter`);
    this.insert(updated(this.name, seed as T, update, true));
    return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1 };
  }

  async updateMany(filter: Filter, update: UpdateDocument): Promise<UpdateResult> {
    const docs = this.toWrite(filter);
    for (const doc of docs) this.put(updated(this.name, doc, update, false), doc);
    return { matchedCount: docs.length, modifiedCount: docs.length, upsertedCount: 0 };
  }

  async deleteOne(filter: Filter) {
    const [doc] = this.matching(filter, 1);
    if (!doc) return { deletedCount: 0 };
    this.remove(doc);
    return { deletedCount: 1 };
  }

  async deleteMany(filter: Filter) {
    const docs = this.matching(filter);
    for (const doc of docs) this.remove(doc);
    return { deletedCount: docs.length };
  }

  async tombstone(filter: Filter, stamp: number, at: Date) {
    const docs = this.matching(filter);
    for (const doc of docs)
      this.put({ _id: doc._id, _pos: stamp, [TOMBSTONE]: true, _deleted_at: at } as unknown as T, doc);
    return { tombstonedCount: docs.length };
  }
}
