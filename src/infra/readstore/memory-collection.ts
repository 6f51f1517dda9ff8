/** MemoryCollection: one collection's frozen documents and its indexes, and the Collection port's operations on them. */
import type { Query } from 'mingo';
import {
  DuplicateKeyError,
  TOMBSTONE,
  type Doc,
  type Filter,
  type FindOptions,
  type IndexSpec,
} from '../../ports/read-store.js';
import { fastTest, isPlainValue, projected, sortedBy, valueAt } from './memory-query.js';
import { deepFreeze, MingoCollection } from './mingo-collection.js';

interface Index {
  fields: string[];
  unique: boolean;
  sparse: boolean;
  entries: Map<string, Set<string>>;
}

/**
 * One collection in memory, queried and updated with mingo (Mongo's own query and update
 * language). Documents are stored frozen and replaced on write, so reads hand them out without a
 * copy. Equality lookups on `_id` or an indexed field are O(1).
 */
export class MemoryCollection<T extends Doc> extends MingoCollection<T> {
  private readonly docs = new Map<string, T>();
  private readonly indexes: Index[] = [];
  /** How many of `docs` are tombstones, so that a count of everything stays O(1). */
  private tombstones = 0;

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

  /** Tombstones take part only in an operation whose filter names `_deleted` (see TOMBSTONE in the port). */
  protected matching(filter: Filter, limit = Infinity): T[] {
    // Asking for tombstones where there are none (the purge, every poll) costs nothing.
    if (filter[TOMBSTONE] === true && this.tombstones === 0) return [];
    const hideTombstones = this.tombstones > 0 && !(TOMBSTONE in filter);
    const test =
      fastTest(filter) ??
      (Object.keys(filter).length
        ? (
            (query: Query) => (doc: T) =>
              query.test(doc)
          )(this.query(filter))
        : null);
    const found: T[] = [];
    for (const doc of this.candidates(filter)) {
      if (hideTombstones && doc[TOMBSTONE] === true) continue;
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

  protected put(next: T, previous?: T) {
    this.checkUnique(next, previous);
    if (previous) this.indexDoc(previous, false);
    if (previous?.[TOMBSTONE] === true) this.tombstones -= 1;
    if (next[TOMBSTONE] === true) this.tombstones += 1;
    this.docs.set(next._id, deepFreeze(next));
    this.indexDoc(next, true);
  }

  protected byId(id: string): T | null {
    const doc = this.docs.get(id);
    return doc !== undefined && doc._id === id ? doc : null;
  }

  protected insert(doc: T) {
    if (this.docs.has(doc._id)) throw new DuplicateKeyError(this.name, doc._id);
    this.put(doc);
  }

  protected remove(doc: T) {
    this.indexDoc(doc, false);
    if (doc[TOMBSTONE] === true) this.tombstones -= 1;
    this.docs.delete(doc._id);
  }

  async find(filter: Filter, options: FindOptions = {}) {
    const sorted = options.sort;
    let docs = this.matching(filter, sorted ? Infinity : (options.skip ?? 0) + (options.limit ?? Infinity));
    if (sorted) docs = sortedBy(docs, sorted);
    const start = options.skip ?? 0;
    docs = docs.slice(start, options.limit === undefined ? undefined : start + options.limit);
    return options.projection ? projected(docs, options.projection) : docs;
  }

  async countDocuments(filter: Filter = {}) {
    return Object.keys(filter).length ? this.matching(filter).length : this.docs.size - this.tombstones;
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
    this.tombstones = 0;
  }

  get size() {
    return this.docs.size;
  }
}
