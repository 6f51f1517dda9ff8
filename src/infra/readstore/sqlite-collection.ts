/** SqliteCollection: one collection in a SQLite table, with the memory adapter's semantics (mingo for what SQL does not look up). */
import { deserialize } from 'node:v8';
import {
  DuplicateKeyError,
  TOMBSTONE,
  type Doc,
  type Filter,
  type FindOptions,
  type IndexSpec,
} from '../../ports/read-store.js';
import { fastTest, isPlainValue, projected, sortedBy } from './memory-query.js';
import { deepFreeze, MingoCollection } from './mingo-collection.js';
import { addIndex, INDEX_TABLE, quoted, readIndexes, tableOf, TableStatements, type Row } from './sqlite-table.js';
import { PendingWrites, type SqliteStoreContext } from './sqlite-store-context.js';

const isConstraint = (error: unknown) =>
  typeof (error as { code?: unknown })?.code === 'string' &&
  /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test((error as { code: string }).code);

/**
 * One collection: documents are read through the store's bounded cache of parsed, frozen documents
 * (handed out without a copy, as the memory adapter does); equality on `_id`, or on every field of
 * an index, is an SQL lookup, anything else a scan of the table tested with mingo.
 */
export class SqliteCollection<T extends Doc> extends MingoCollection<T> {
  private statements: TableStatements | null = null;
  /** Bumped by a drop, so that cached documents of the dropped table are never found again. */
  private epoch = 0;
  private prefix: string | null = null;
  /**
   * Bookkeeping collections (`_checkpoints`, `_projections`) are small and read fresh: another
   * process on the same file (the operator's CLI rebuilding a read model) swaps generations there.
   */
  private readonly cached: boolean;
  /** Writes not yet in the table (see PendingWrites): collections without a unique index only. */
  private readonly pending = new PendingWrites<T>();

  constructor(
    name: string,
    private readonly store: SqliteStoreContext,
  ) {
    super(name);
    this.cached = !name.startsWith('_');
  }

  private get db() {
    return this.store.db;
  }

  /** The table's statements, or null while the table does not exist. */
  private table(): TableStatements | null {
    if (this.statements) return this.statements;
    if (!this.store.tableExists(`c:${this.name}`)) return null;
    this.statements = new TableStatements(this.db, tableOf(this.name), readIndexes(this.db, this.name));
    return this.statements;
  }

  private ensureTable(): TableStatements {
    const existing = this.table();
    if (existing) return existing;
    this.store.writing(() =>
      this.db.exec(
        `CREATE TABLE IF NOT EXISTS ${tableOf(this.name)} (_id TEXT PRIMARY KEY, dead INTEGER NOT NULL, doc BLOB NOT NULL) WITHOUT ROWID`,
      ),
    );
    return this.table()!;
  }

  private key(id: string) {
    return this.keyPrefix + id;
  }

  /** The cache keys' start: the collection and its epoch. */
  private get keyPrefix() {
    return (this.prefix ??= `${this.name}\u0000${this.epoch}\u0000`);
  }

  /** A row's document: the cached one if there is one, else parsed (and cached when `remember`). */
  private parse(row: Row, remember: boolean): T {
    if (!this.cached) return deepFreeze(deserialize(row.doc) as T);
    const key = this.key(row._id);
    const hit = this.store.cache.get(key);
    if (hit) return hit as T;
    const doc = deepFreeze(deserialize(row.doc) as T);
    if (remember) this.store.cache.set(key, doc);
    return doc;
  }

  protected byId(id: string): T | null {
    const waiting = this.pending.get(id);
    if (waiting !== undefined) return waiting;
    if (this.cached) {
      const hit = this.store.cache.get(this.key(id));
      if (hit) return hit as T;
    }
    const row = this.table()?.get.get(id);
    return row ? this.parse({ _id: id, doc: row.doc }, true) : null;
  }

  /** Candidates for a filter: from `_id` or an index when the filter pins one by equality, else every row. */
  private *candidates(table: TableStatements, filter: Filter, liveOnly: boolean): Iterable<T> {
    const id = filter._id;
    if (isPlainValue(id)) {
      const doc = this.byId(String(id));
      if (doc) yield doc;
      return;
    }
    this.flushPending();
    // Tombstones are hidden in SQL unless the filter names `_deleted` (see TOMBSTONE in the port).
    const visibility = liveOnly ? 'dead = 0' : filter[TOMBSTONE] === true ? 'dead = 1' : '';
    for (const index of table.indexes) {
      const values = index.fields.map((f) => filter[f]);
      if (values.every((v) => v !== undefined && isPlainValue(v))) {
        const where = `${quoted(index.column)} = ?${visibility ? ` AND ${visibility}` : ''}`;
        for (const row of table.scan(where).iterate(JSON.stringify(values))) yield this.parse(row, true);
        return;
      }
    }
    // A scan leaves the cache to the lookups: one listing must not push every hot document out.
    for (const row of table.scan(visibility).iterate()) yield this.parse(row, false);
  }

  /** The filter as a test of one document: the hand-written fast paths, else mingo; null for `{}`. */
  private tester(filter: Filter): ((doc: T) => boolean) | null {
    const fast = fastTest(filter);
    if (fast) return fast;
    if (Object.keys(filter).length === 0) return null;
    const query = this.query(filter);
    return (doc) => query.test(doc);
  }

  protected matching(filter: Filter, limit = Infinity): T[] {
    const table = this.table();
    if (!table) return [];
    const liveOnly = !(TOMBSTONE in filter);
    const test = this.tester(filter);
    const found: T[] = [];
    for (const doc of this.candidates(table, filter, liveOnly)) {
      if (liveOnly && doc[TOMBSTONE] === true) continue;
      if (!test || test(doc)) found.push(doc);
      if (found.length >= limit) break;
    }
    return found;
  }

  /**
   * The first `wanted` matches in `_id` order (the admin list's pages), read in that order from the
   * primary key, from the filter's `_id` bound on, and stopped once there are enough: not every
   * document parsed and sorted for one page. SQLite orders TEXT by UTF-8 bytes and JavaScript by
   * UTF-16 units, the same order unless ids mix characters above U+FFFF with U+E000 to U+FFFF.
   */
  private firstById(filter: Filter, direction: 1 | -1, wanted: number): T[] {
    const table = this.table();
    if (!table) return [];
    this.flushPending();
    const liveOnly = !(TOMBSTONE in filter);
    const conditions = liveOnly ? ['dead = 0'] : filter[TOMBSTONE] === true ? ['dead = 1'] : [];
    const bounds: string[] = [];
    const range = filter._id as { $gt?: unknown; $lt?: unknown } | undefined;
    if (range && typeof range === 'object' && !Array.isArray(range)) {
      for (const [operator, sql] of [
        ['$gt', '_id > ?'],
        ['$lt', '_id < ?'],
      ] as const) {
        const bound = range[operator];
        if (typeof bound !== 'string') continue;
        conditions.push(sql);
        bounds.push(bound);
      }
    }
    const where = `${conditions.join(' AND ') || '1'} ORDER BY _id ${direction === 1 ? 'ASC' : 'DESC'}`;
    const test = this.tester(filter);
    const found: T[] = [];
    if (wanted <= 0) return found;
    for (const row of table.scan(where).iterate(...bounds)) {
      const doc = this.parse(row, false);
      if (liveOnly && doc[TOMBSTONE] === true) continue;
      if (!test || test(doc)) found.push(doc);
      if (found.length >= wanted) break;
    }
    return found;
  }

  /**
   * Whether writes wait in `pending` until the commit. Bookkeeping collections too: a projection's
   * checkpoint is rewritten after every event it applies, and only the last one of a commit matters.
   * They are read fresh for another process's writes, and pending ones exist only inside this
   * process's own open write transaction, where no other process can write.
   */
  private defers(table: TableStatements) {
    return !table.indexes.some((index) => index.unique);
  }

  /** Writes what `pending` holds into the table (in the store's open transaction, which it is in). */
  flushPending() {
    if (this.pending.size > 0) this.pending.writeInto(this.table()!);
  }

  private defer(id: string, doc: T | null) {
    this.store.writing(() => {
      this.pending.set(id, doc);
      this.store.deferred(this);
    });
  }

  protected put(next: T, previous?: T) {
    const table = this.ensureTable();
    if (this.defers(table)) {
      this.defer(next._id, deepFreeze(next));
      if (this.cached) this.store.cache.set(this.key(next._id), next);
      return;
    }
    try {
      this.store.writing(() =>
        previous
          ? table.update.run(...table.values(next), next._id)
          : table.insert.run(next._id, ...table.values(next)),
      );
    } catch (error) {
      if (isConstraint(error)) throw new DuplicateKeyError(this.name, (error as Error).message);
      throw error;
    }
    if (this.cached) this.store.cache.set(this.key(next._id), deepFreeze(next));
  }

  /** A row with this `_id` already there (a newer document, a tombstone) fails the insert: a duplicate key. */
  protected insert(doc: T) {
    if (this.defers(this.ensureTable()) && this.byId(doc._id) !== null)
      throw new DuplicateKeyError(this.name, `a document with _id ${JSON.stringify(doc._id)} is there`);
    this.put(doc);
  }

  protected remove(doc: T) {
    const table = this.ensureTable();
    if (this.defers(table)) this.defer(doc._id, null);
    else this.store.writing(() => table.remove.run(doc._id));
    if (this.cached) this.store.cache.delete(this.key(doc._id));
  }

  async find(filter: Filter, options: FindOptions = {}) {
    const sorted = options.sort;
    const wanted = (options.skip ?? 0) + (options.limit ?? Infinity);
    const byIdOnly = sorted && Object.keys(sorted).length === 1 && sorted._id !== undefined;
    let docs =
      byIdOnly && !isPlainValue(filter._id)
        ? this.firstById(filter, sorted._id!, wanted)
        : this.matching(filter, sorted ? Infinity : wanted);
    if (sorted && !byIdOnly) docs = sortedBy(docs, sorted);
    const start = options.skip ?? 0;
    docs = docs.slice(start, options.limit === undefined ? undefined : start + options.limit);
    return options.projection ? projected(docs, options.projection) : docs;
  }

  async countDocuments(filter: Filter = {}) {
    if (Object.keys(filter).length) return this.matching(filter).length;
    this.flushPending();
    return this.table()?.count.get()?.n ?? 0;
  }

  async createIndex(spec: IndexSpec) {
    const fields = Object.keys(spec.keys);
    const table = this.ensureTable();
    if (table.indexes.some((i) => i.fields.join() === fields.join())) return;
    // The new column is filled from the rows: every write must be in them; and a unique index
    // stops this collection deferring.
    this.flushPending();
    this.store.writing(() => {
      // Read again under the write lock: another process on the file (a worker, the CLI) may have
      // added it since this one prepared its statements.
      const indexes = readIndexes(this.db, this.name);
      if (indexes.some((i) => i.fields.join() === fields.join())) return;
      this.db.exec('SAVEPOINT create_index');
      try {
        addIndex(this.db, this.name, spec, indexes.length);
        this.db.exec('RELEASE create_index');
      } catch (error) {
        this.db.exec('ROLLBACK TO create_index');
        this.db.exec('RELEASE create_index');
        if (isConstraint(error)) throw new DuplicateKeyError(this.name, (error as Error).message);
        throw error;
      }
    });
    // Its columns changed (here or in another process): the statements are prepared again.
    this.statements = null;
  }

  async drop() {
    this.pending.clear();
    this.store.writing(() => {
      this.db.exec(`DROP TABLE IF EXISTS ${tableOf(this.name)}`);
      this.db.prepare(`DELETE FROM ${INDEX_TABLE} WHERE collection = ?`).run(this.name);
    });
    this.statements = null;
    this.epoch += 1;
    this.prefix = null;
  }
}
