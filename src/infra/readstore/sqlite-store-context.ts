/** What the collections of one SQLite read store share, and the writes a collection holds back until the commit. */
import type { Doc } from '../../ports/read-store.js';
import type { SqliteDatabase } from '../sqlite/database.js';
import type { TableStatements } from './sqlite-table.js';

/** Parsed documents by collection and `_id`, bounded by whoever makes it (the composition root: an LRU). */
export interface DocumentCache {
  get(key: string): Doc | undefined;
  set(key: string, doc: Doc): void;
  delete(key: string): void;
  readonly size: number;
}

/** What every collection of one store shares: the connection, the open write transaction, the document cache. */
export interface SqliteStoreContext {
  db: SqliteDatabase;
  /** Runs a write in the store's open transaction (beginning one if none is open). */
  writing<R>(work: () => R): R;
  /** A collection holds writes not yet in its table: they go in before the open transaction commits. */
  deferred(collection: { flushPending(): void }): void;
  cache: DocumentCache;
  tableExists(table: string): boolean;
}

/**
 * Writes not yet in a collection's table: the newest document of each `_id` (null: deleted),
 * written once when the store's open transaction commits, or before a read that asks SQL rather
 * than `_id`. A catch-up rewrites an account's documents with each of its events: in one commit,
 * only the last version is serialised and written. Only collections without a unique index
 * hold writes back, so a clash is still thrown by the write that makes it.
 */
export class PendingWrites<T extends Doc> {
  private readonly docs = new Map<string, T | null>();

  get size() {
    return this.docs.size;
  }

  /** The newest write of this `_id`: a document, null (deleted), or undefined (none held back). */
  get(id: string): T | null | undefined {
    return this.docs.size > 0 ? this.docs.get(id) : undefined;
  }

  set(id: string, doc: T | null) {
    this.docs.set(id, doc);
  }

  clear() {
    this.docs.clear();
  }

  /** Writes every one into `table` (in the store's open transaction), and forgets them. */
  writeInto(table: TableStatements) {
    for (const [id, doc] of this.docs) {
      if (doc === null) {
        table.remove.run(id);
        continue;
      }
      const values = table.values(doc);
      if (table.update.run(...values, id).changes === 0) table.insert.run(id, ...values);
    }
    this.docs.clear();
  }
}
