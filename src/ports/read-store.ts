/**
 * The read store port: a subset of MongoDB's collection API, so that projectors written as Mongo
 * filters and update documents run unchanged on MongoDB, on SQLite (embedded mode) and in memory
 * (the last two with mingo).
 */

export type Doc = { _id: string } & Record<string, unknown>;
export type Filter = Record<string, unknown>;
export type UpdateDocument = Record<string, unknown>;

export interface FindOptions {
  sort?: Record<string, 1 | -1>;
  limit?: number;
  skip?: number;
  projection?: Record<string, 0 | 1>;
}

export interface UpdateResult {
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
}

export interface IndexSpec {
  /** Single-field or compound ascending/descending keys. */
  keys: Record<string, 1 | -1>;
  unique?: boolean;
  /** Only documents where the first key exists are indexed (Mongo's partial index on `$exists`). */
  sparse?: boolean;
}

/**
 * A document deleted by a stamped (projection) write is replaced by a tombstone `{_id, _pos,
 * _deleted: true, _deleted_at}`, so that another instance replaying an older write of the same `_id`
 * finds it newer instead of missing (and cannot bring it back). Every operation of the port ignores
 * tombstones unless its filter names `_deleted` at the top level: readers and projectors never see them.
 */
export const TOMBSTONE = '_deleted';

export interface Collection<T extends Doc = Doc> {
  readonly name: string;
  findOne(filter: Filter): Promise<T | null>;
  find(filter: Filter, options?: FindOptions): Promise<T[]>;
  countDocuments(filter?: Filter): Promise<number>;
  /**
   * Mongo semantics: with `upsert`, when nothing matches, a document is inserted from the equality
   * fields of the filter plus the update; a duplicate `_id` then fails with `DuplicateKeyError`.
   */
  updateOne(filter: Filter, update: UpdateDocument, options?: { upsert?: boolean }): Promise<UpdateResult>;
  updateMany(filter: Filter, update: UpdateDocument): Promise<UpdateResult>;
  deleteOne(filter: Filter): Promise<{ deletedCount: number }>;
  deleteMany(filter: Filter): Promise<{ deletedCount: number }>;
  /**
   * Replaces every (live) document matching `filter` by a tombstone stamped `stamp` and deleted `at`:
   * no other field is kept, so unique and sparse indexes on other fields are released as by a delete.
   */
  tombstone(filter: Filter, stamp: number, at: Date): Promise<{ tombstonedCount: number }>;
  createIndex(spec: IndexSpec): Promise<void>;
  drop(): Promise<void>;
}

export interface ReadStore {
  collection<T extends Doc = Doc>(name: string): Collection<T>;
  /** Names of the collections that exist. */
  listCollections(): Promise<string[]>;
  /** Whether the read models outlive the process (SQLite, MongoDB) or must be rebuilt at start (memory). */
  readonly durable: boolean;
  /**
   * Whether other instances serve the same read models (MongoDB): a retired generation is kept for
   * the grace period, and a checkpoint of another event store is refused rather than rebuilt over.
   */
  readonly shared: boolean;
  /** Makes every write so far durable (a store that batches its commits commits now). */
  flush(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class DuplicateKeyError extends Error {
  readonly code = 'duplicate_key';
  constructor(collection: string, key: unknown) {
    super(`Duplicate key in ${collection}: ${JSON.stringify(key)}`);
    this.name = 'DuplicateKeyError';
  }
}

export const isDuplicateKey = (error: unknown): boolean =>
  error instanceof DuplicateKeyError ||
  (typeof error === 'object' &&
    error !== null &&
    ((error as { code?: unknown }).code === 'duplicate_key' || (error as { code?: unknown }).code === 11000));
