import { deserialize, serialize } from 'node:v8';
import { Query } from 'mingo';
import { update as applyUpdate } from 'mingo/updater';
import {
  DuplicateKeyError,
  type Collection,
  type Doc,
  type Filter,
  type FindOptions,
  type IndexSpec,
  type SnapshotMarker,
  type SnapshottableReadStore,
  type UpdateDocument,
  type UpdateResult,
} from '../../ports/read-store.js';

interface Index {
  fields: string[];
  unique: boolean;
  sparse: boolean;
  entries: Map<string, Set<string>>;
}

const valueAt = (doc: Record<string, unknown>, path: string): unknown => {
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
};

const isPlainValue = (value: unknown): boolean =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

const isOperatorObject = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value) &&
  Object.keys(value).some((k) => k.startsWith('$'));

const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
};

/**
 * The hot filters without mingo: equality on plain values (`{_id}`, `{_id, userId}`), and the
 * projection runner's stamp guard `{_pos: {$not: {$gte: n}}}`. A document whose value is an array
 * or object (Mongo matches array members) goes to mingo, as does every other filter. Compiling a
 * mingo query per lookup of a new id cost more than the lookup itself.
 */
function fastTest(filter: Filter): ((doc: Record<string, unknown>) => boolean) | null {
  const checks: ((doc: Record<string, unknown>) => boolean | null)[] = [];
  for (const [field, expected] of Object.entries(filter)) {
    if (field.startsWith('$') || field.includes('.')) return null;
    if (isPlainValue(expected)) {
      checks.push((doc) => {
        const actual = doc[field];
        if (actual !== null && typeof actual === 'object') return null;
        return expected === null ? actual === null || actual === undefined : actual === expected;
      });
      continue;
    }
    const not = (expected as { $not?: { $gte?: unknown } } | null)?.$not;
    const bound = not?.$gte;
    if (Object.keys(expected as object).length === 1 && not && Object.keys(not).length === 1 && typeof bound === 'number') {
      checks.push((doc) => {
        const actual = doc[field];
        if (actual === undefined || actual === null) return true;
        if (typeof actual !== 'number') return null;
        return !(actual >= bound);
      });
      continue;
    }
    return null;
  }
  let fallback: Query | null = null;
  return (doc) => {
    for (const check of checks) {
      const result = check(doc);
      if (result === false) return false;
      if (result === null) return (fallback ??= new Query(filter, {})).test(doc);
    }
    return true;
  };
}

/**
 * One collection in memory, queried and updated with mingo (Mongo's own query and update
 * language). Documents are stored frozen and replaced on write, so reads hand them out without a
 * copy. Equality lookups on `_id` or an indexed field are O(1).
 */
class MemoryCollection<T extends Doc> implements Collection<T> {
  private readonly docs = new Map<string, T>();
  private readonly indexes: Index[] = [];
  private readonly queries = new Map<string, Query>();

  constructor(readonly name: string) {}

  private query(filter: Filter): Query {
    const key = JSON.stringify(filter);
    let query = this.queries.get(key);
    if (!query) {
      query = new Query(filter, {});
      if (this.queries.size > 1000) this.queries.clear();
      this.queries.set(key, query);
    }
    return query;
  }

  private indexKey(index: Index, doc: Record<string, unknown>): string | null {
    const values = index.fields.map((f) => valueAt(doc, f));
    if (index.sparse && values[0] === undefined) return null;
    return JSON.stringify(values.map((v) => (v === undefined ? null : v)));
  }

  /** Candidates for a filter: from `_id` or an index when the filter pins one by equality. */
  private candidates(filter: Filter): Iterable<T> {
    const id = filter._id;
    if (isPlainValue(id)) {
      const doc = this.docs.get(String(id));
      return doc ? [doc] : [];
    }
    for (const index of this.indexes) {
      const values = index.fields.map((f) => filter[f]);
      if (values.every((v) => v !== undefined && isPlainValue(v))) {
        const ids = index.entries.get(JSON.stringify(values)) ?? new Set<string>();
        return [...ids].map((docId) => this.docs.get(docId)!);
      }
    }
    return this.docs.values();
  }

  private matching(filter: Filter, limit = Infinity): T[] {
    const test = fastTest(filter) ?? (Object.keys(filter).length ? ((query: Query) => (doc: T) => query.test(doc))(this.query(filter)) : null);
    const found: T[] = [];
    for (const doc of this.candidates(filter)) {
      if (!test || test(doc)) found.push(doc);
      if (found.length >= limit) break;
    }
    return found;
  }

  private checkUnique(doc: T, replacing?: T) {
    for (const index of this.indexes) {
      if (!index.unique) continue;
      const key = this.indexKey(index, doc);
      if (key === null) continue;
      const holders = index.entries.get(key);
      if (holders && [...holders].some((id) => id !== replacing?._id)) throw new DuplicateKeyError(this.name, key);
    }
  }

  private indexDoc(doc: T, add: boolean) {
    for (const index of this.indexes) {
      const key = this.indexKey(index, doc);
      if (key === null) continue;
      let set = index.entries.get(key);
      if (add) {
        if (!set) index.entries.set(key, (set = new Set()));
        set.add(doc._id);
      } else if (set) {
        set.delete(doc._id);
        if (set.size === 0) index.entries.delete(key);
      }
    }
  }

  private store(next: T, previous?: T) {
    this.checkUnique(next, previous);
    if (previous) this.indexDoc(previous, false);
    this.docs.set(next._id, deepFreeze(next));
    this.indexDoc(next, true);
  }

  private updated(doc: T, update: UpdateDocument, inserting: boolean): T {
    // The common write — `$set` of top-level fields — without mingo's updater (whose set-up per call
    // cost more than the write): a shallow copy, since every value in a stored document is frozen.
    const keys = Object.keys(update);
    const set = update.$set as Record<string, unknown> | undefined;
    if (keys.length === 1 && set && Object.keys(set).every((field) => !field.includes('.') && !field.startsWith('$'))) {
      if ('_id' in set && set._id !== doc._id) throw new Error(`${this.name}: _id cannot change`);
      const next = { ...doc } as Record<string, unknown>;
      // Values are copied (the stored document is frozen; the caller's objects must not be): plain values as they are.
      for (const field in set) {
        const value = set[field];
        next[field] = value !== null && typeof value === 'object' ? structuredClone(value) : value;
      }
      return next as T;
    }
    const copy = structuredClone(doc) as T;
    const { $setOnInsert, ...rest } = update as { $setOnInsert?: Record<string, unknown> };
    const modifier = inserting && $setOnInsert ? { ...rest, $set: { ...(rest as any).$set, ...$setOnInsert } } : rest;
    if (Object.keys(modifier).length) applyUpdate(copy, modifier as never, undefined, undefined, { cloneMode: 'deep' });
    if (copy._id !== doc._id) throw new Error(`${this.name}: _id cannot change`);
    return copy;
  }

  async findOne(filter: Filter) {
    // The hottest lookup of all, `{_id}` alone, straight from the Map.
    const id = filter._id;
    if (typeof id === 'string') {
      let only = true;
      for (const field in filter) if (field !== '_id') { only = false; break; }
      if (only) {
        const doc = this.docs.get(id);
        return doc !== undefined && doc._id === id ? doc : null;
      }
    }
    return this.matching(filter, 1)[0] ?? null;
  }

  async find(filter: Filter, options: FindOptions = {}) {
    const sorted = options.sort;
    let docs = this.matching(filter, sorted ? Infinity : (options.skip ?? 0) + (options.limit ?? Infinity));
    if (sorted) {
      const keys = Object.entries(sorted);
      docs = [...docs].sort((a, b) => {
        for (const [field, direction] of keys) {
          const x = valueAt(a, field) as any;
          const y = valueAt(b, field) as any;
          if (x === y) continue;
          if (x === undefined || x === null) return -direction;
          if (y === undefined || y === null) return direction;
          return (x < y ? -1 : 1) * direction;
        }
        return 0;
      });
    }
    const start = options.skip ?? 0;
    docs = docs.slice(start, options.limit === undefined ? undefined : start + options.limit);
    if (options.projection) {
      const projection = options.projection;
      const include = Object.entries(projection).filter(([, v]) => v === 1).map(([k]) => k);
      return docs.map((doc) => {
        const out: Record<string, unknown> = {};
        if (include.length) {
          out._id = doc._id;
          for (const k of include) if (k in doc) out[k] = doc[k];
        } else {
          Object.assign(out, doc);
          for (const [k, v] of Object.entries(projection)) if (v === 0) delete out[k];
        }
        return out as T;
      });
    }
    return docs;
  }

  async countDocuments(filter: Filter = {}) {
    return Object.keys(filter).length ? this.matching(filter).length : this.docs.size;
  }

  async updateOne(filter: Filter, update: UpdateDocument, options: { upsert?: boolean } = {}): Promise<UpdateResult> {
    const [doc] = this.matching(filter, 1);
    if (doc) {
      const next = this.updated(doc, update, false);
      this.store(next, doc);
      return { matchedCount: 1, modifiedCount: 1, upsertedCount: 0 };
    }
    if (!options.upsert) return { matchedCount: 0, modifiedCount: 0, upsertedCount: 0 };
    const seed: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(filter)) {
      if (!field.startsWith('$') && !field.includes('.') && !isOperatorObject(value)) seed[field] = value;
    }
    if (typeof seed._id !== 'string') throw new Error(`${this.name}: an upsert needs an _id in its filter`);
    if (this.docs.has(seed._id)) throw new DuplicateKeyError(this.name, seed._id);
    this.store(this.updated(seed as T, update, true));
    return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1 };
  }

  async updateMany(filter: Filter, update: UpdateDocument): Promise<UpdateResult> {
    const docs = this.matching(filter);
    for (const doc of docs) this.store(this.updated(doc, update, false), doc);
    return { matchedCount: docs.length, modifiedCount: docs.length, upsertedCount: 0 };
  }

  async deleteOne(filter: Filter) {
    const [doc] = this.matching(filter, 1);
    if (!doc) return { deletedCount: 0 };
    this.indexDoc(doc, false);
    this.docs.delete(doc._id);
    return { deletedCount: 1 };
  }

  async deleteMany(filter: Filter) {
    const docs = this.matching(filter);
    for (const doc of docs) {
      this.indexDoc(doc, false);
      this.docs.delete(doc._id);
    }
    return { deletedCount: docs.length };
  }

  async createIndex(spec: IndexSpec) {
    const fields = Object.keys(spec.keys);
    if (this.indexes.some((i) => i.fields.join() === fields.join())) return;
    const index: Index = { fields, unique: Boolean(spec.unique), sparse: Boolean(spec.sparse), entries: new Map() };
    this.indexes.push(index);
    for (const doc of this.docs.values()) {
      const key = this.indexKey(index, doc);
      if (key === null) continue;
      if (index.unique && index.entries.has(key)) {
        this.indexes.pop();
        throw new DuplicateKeyError(this.name, key);
      }
      let set = index.entries.get(key);
      if (!set) index.entries.set(key, (set = new Set()));
      set.add(doc._id);
    }
  }

  async drop() {
    this.docs.clear();
    this.indexes.length = 0;
  }

  get size() {
    return this.docs.size;
  }

  /** Its documents and index definitions, for a snapshot. */
  dump(): CollectionDump {
    return {
      name: this.name,
      indexes: this.indexes.map((index) => ({ keys: Object.fromEntries(index.fields.map((f) => [f, 1])), unique: index.unique, sparse: index.sparse })),
      docs: [...this.docs.values()],
    };
  }

  /** Fills an empty collection from a dump: indexes first, then every document (checked, frozen, indexed). */
  async load(dump: CollectionDump) {
    for (const spec of dump.indexes) await this.createIndex(spec as IndexSpec);
    for (const doc of dump.docs) this.store(doc as T);
  }
}

interface CollectionDump {
  name: string;
  indexes: { keys: Record<string, 1>; unique: boolean; sparse: boolean }[];
  docs: Doc[];
}

const SNAPSHOT_FORMAT = 1;

/** The embedded read store: in memory, rebuilt from the event store at start (or loaded from a snapshot). */
export function createMemoryReadStore(): SnapshottableReadStore {
  const collections = new Map<string, MemoryCollection<Doc>>();
  return {
    durable: false,
    snapshot(marker) {
      // v8's structured serialisation: several times faster than JSON both ways, and exact for dates.
      return serialize({ format: SNAPSHOT_FORMAT, marker, collections: [...collections.values()].filter((c) => c.size > 0).map((c) => c.dump()) });
    },
    async restore(buffer) {
      const snapshot = deserialize(buffer) as { format?: unknown; marker?: SnapshotMarker; collections?: CollectionDump[] };
      if (snapshot.format !== SNAPSHOT_FORMAT || typeof snapshot.marker?.position !== 'bigint' || typeof snapshot.marker.versions !== 'object' || !Array.isArray(snapshot.collections)) {
        throw new Error('not a read-model snapshot of this version');
      }
      if (collections.size > 0) throw new Error('a snapshot loads into an empty store only');
      for (const dump of snapshot.collections) {
        const collection = new MemoryCollection<Doc>(dump.name);
        await collection.load(dump);
        collections.set(dump.name, collection);
      }
      return snapshot.marker;
    },
    clear() {
      collections.clear();
    },
    collection<T extends Doc>(name: string) {
      let collection = collections.get(name);
      if (!collection) collections.set(name, (collection = new MemoryCollection(name)));
      return collection as unknown as Collection<T>;
    },
    async listCollections() {
      return [...collections.entries()].filter(([, c]) => c.size > 0).map(([name]) => name);
    },
    async ping() {},
    async close() {
      collections.clear();
    },
  };
}
