/**
 * One collection's SQLite table: `_id`, whether the document is a tombstone, the document itself
 * (v8-serialised: exact for dates and bigints, and faster to read and write than JSON with a
 * reviver), and one side column per index holding the index key, so that unique indexes are SQLite
 * UNIQUE indexes and equality lookups on indexed fields are SQL lookups.
 */
import type { Statement } from 'better-sqlite3';
import { deserialize, serialize } from 'node:v8';
import { TOMBSTONE, type Doc, type IndexSpec } from '../../ports/read-store.js';
import type { SqliteDatabase } from '../sqlite/database.js';
import { valueAt } from './memory-query.js';

/** The index definitions of every collection, so that a reopened file knows its side columns. */
export const INDEX_TABLE = '_read_store_indexes';

export interface TableIndex {
  fields: string[];
  unique: boolean;
  sparse: boolean;
  column: string;
}

export interface Row {
  _id: string;
  doc: Buffer;
}

export const quoted = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
export const tableOf = (collection: string) => quoted(`c:${collection}`);

/**
 * The key a document has in an index, as the memory adapter computes it: the JSON of its values
 * (a missing one as null), or none when the index is sparse and the first value is missing.
 */
export const indexKey = (index: { fields: string[]; sparse: boolean }, doc: Record<string, unknown>): string | null => {
  const values = index.fields.map((f) => valueAt(doc, f));
  if (index.sparse && values[0] === undefined) return null;
  return JSON.stringify(values.map((v) => (v === undefined ? null : v)));
};

/** The prepared statements of one table, made again whenever its columns change. */
export class TableStatements {
  readonly get: Statement<[string], { doc: Buffer }>;
  readonly insert: Statement<unknown[]>;
  readonly update: Statement<unknown[]>;
  readonly remove: Statement<[string]>;
  readonly count: Statement<[], { n: number }>;
  private readonly scans = new Map<string, Statement<unknown[], Row>>();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly table: string,
    readonly indexes: TableIndex[],
  ) {
    const columns = indexes.map((i) => quoted(i.column));
    this.get = db.prepare(`SELECT doc FROM ${table} WHERE _id = ?`);
    this.insert = db.prepare(
      `INSERT INTO ${table} (_id, dead, doc${columns.map((c) => `, ${c}`).join('')}) VALUES (?, ?, ?${columns.map(() => ', ?').join('')})`,
    );
    this.update = db.prepare(
      `UPDATE ${table} SET dead = ?, doc = ?${columns.map((c) => `, ${c} = ?`).join('')} WHERE _id = ?`,
    );
    this.remove = db.prepare(`DELETE FROM ${table} WHERE _id = ?`);
    this.count = db.prepare(`SELECT count(*) AS n FROM ${table} WHERE dead = 0`);
  }

  /** The rows of a scan: `where` is one of a few fixed shapes, so the statements stay few. */
  scan(where: string): Statement<unknown[], Row> {
    let statement = this.scans.get(where);
    if (!statement) {
      statement = this.db.prepare(`SELECT _id, doc FROM ${this.table}${where ? ` WHERE ${where}` : ''}`);
      this.scans.set(where, statement);
    }
    return statement;
  }

  /** The values of a row after `_id`: tombstone flag, serialised document, index keys. */
  values(doc: Doc): unknown[] {
    return [doc[TOMBSTONE] === true ? 1 : 0, serialize(doc), ...this.indexes.map((i) => indexKey(i, doc))];
  }
}

/** Creates the index bookkeeping table once per file. */
export const createIndexTable = (db: SqliteDatabase) =>
  db.exec(
    `CREATE TABLE IF NOT EXISTS ${INDEX_TABLE} (collection TEXT NOT NULL, fields TEXT NOT NULL, is_unique INTEGER NOT NULL, is_sparse INTEGER NOT NULL, column_name TEXT NOT NULL, PRIMARY KEY (collection, fields))`,
  );

/** The indexes a collection's table has, in the order their columns were added. */
export const readIndexes = (db: SqliteDatabase, collection: string): TableIndex[] =>
  (
    db
      .prepare(
        `SELECT fields, is_unique, is_sparse, column_name FROM ${INDEX_TABLE} WHERE collection = ? ORDER BY rowid`,
      )
      .all(collection) as { fields: string; is_unique: number; is_sparse: number; column_name: string }[]
  ).map((r) => ({
    fields: JSON.parse(r.fields) as string[],
    unique: r.is_unique === 1,
    sparse: r.is_sparse === 1,
    column: r.column_name,
  }));

/** Adds an index's side column, fills it from every row, and indexes it; a unique clash throws (the caller rolls back). */
export function addIndex(db: SqliteDatabase, collection: string, spec: IndexSpec, position: number): TableIndex {
  const table = tableOf(collection);
  const index: TableIndex = {
    fields: Object.keys(spec.keys),
    unique: Boolean(spec.unique),
    sparse: Boolean(spec.sparse),
    column: `ix${position}`,
  };
  db.exec(`ALTER TABLE ${table} ADD COLUMN ${quoted(index.column)} TEXT`);
  const fill = db.prepare(`UPDATE ${table} SET ${quoted(index.column)} = ? WHERE _id = ?`);
  const rows = db.prepare(`SELECT _id, doc FROM ${table}`).all() as Row[];
  for (const row of rows) fill.run(indexKey(index, deserialize(row.doc) as Doc), row._id);
  db.exec(
    `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoted(`c:${collection}:${index.column}`)} ON ${table} (${quoted(index.column)})`,
  );
  db.prepare(
    `INSERT INTO ${INDEX_TABLE} (collection, fields, is_unique, is_sparse, column_name) VALUES (?, ?, ?, ?, ?)`,
  ).run(collection, JSON.stringify(index.fields), index.unique ? 1 : 0, index.sparse ? 1 : 0, index.column);
  return index;
}
