/** Mongo's query and update language on in-memory documents: mingo, with hand-written fast paths for the hot shapes. */
import { Query } from 'mingo';
import { update as applyUpdate } from 'mingo/updater';
import type { Doc, Filter, FindOptions, UpdateDocument } from '../../ports/read-store.js';

export const valueAt = (doc: Record<string, unknown>, path: string): unknown => {
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
};

export const isPlainValue = (value: unknown): boolean =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

const isOperatorObject = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.keys(value).some((k) => k.startsWith('$'));

/**
 * The hot filters without mingo: equality on plain values (`{_id}`, `{_id, userId}`), and the
 * projection runner's stamp guard `{_pos: {$not: {$gte: n}}}`. A document whose value is an array
 * or object (Mongo matches array members) goes to mingo, as does every other filter. Compiling a
 * mingo query per lookup of a new id cost more than the lookup itself.
 */
export function fastTest(filter: Filter): ((doc: Record<string, unknown>) => boolean) | null {
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
    if (
      Object.keys(expected as object).length === 1 &&
      not &&
      Object.keys(not).length === 1 &&
      typeof bound === 'number'
    ) {
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
 * `{_id}` alone, or with the projection runner's stamp guard `_pos: {$not: {$gte: n}}` (every
 * write of a read model): the id, and the stamp a matching document's `_pos` must be below
 * (Infinity without a guard). Null for any other filter. The writes of a catch-up are all of this
 * shape: the document is looked up by `_id` and its stamp compared, no test is built.
 */
export function idAndStamp(filter: Filter): { id: string; below: number } | null {
  let id: string | undefined;
  let below = Number.POSITIVE_INFINITY;
  for (const field in filter) {
    const value = filter[field];
    if (field === '_id' && typeof value === 'string') id = value;
    else if (field === '_pos' && value !== null && typeof value === 'object') {
      const bound = onlyKey(value, '$not');
      const stamp = bound !== null && typeof bound === 'object' ? onlyKey(bound, '$gte') : undefined;
      if (typeof stamp !== 'number') return null;
      below = stamp;
    } else return null;
  }
  return id === undefined ? null : { id, below };
}

/** The value of `key` when it is the object's only key; undefined otherwise. */
const onlyKey = (object: object, key: string): unknown => {
  let count = 0;
  for (const _ in object) count += 1;
  return count === 1 ? (object as Record<string, unknown>)[key] : undefined;
};

/** Mongo's sort order on the given keys: a missing or null value sorts first. */
export const sortedBy = <T extends Doc>(docs: T[], sort: NonNullable<FindOptions['sort']>): T[] => {
  const keys = Object.entries(sort);
  return [...docs].sort((a, b) => {
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
};

/** A find's projection: the fields listed with 1 (and `_id`), or every field but those listed with 0. */
export const projected = <T extends Doc>(docs: T[], projection: NonNullable<FindOptions['projection']>): T[] => {
  const include = Object.entries(projection)
    .filter(([, v]) => v === 1)
    .map(([k]) => k);
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
};

/** The document an update makes of `doc` (a new one: `doc` is stored frozen); `collection` names it in errors. */
export function updated<T extends Doc>(collection: string, doc: T, update: UpdateDocument, inserting: boolean): T {
  // The common write — `$set` of top-level fields — without mingo's updater (whose set-up per call
  // cost more than the write): a shallow copy, since every value in a stored document is frozen.
  const keys = Object.keys(update);
  const set = update.$set as Record<string, unknown> | undefined;
  if (keys.length === 1 && set && Object.keys(set).every((field) => !field.includes('.') && !field.startsWith('$'))) {
    if ('_id' in set && set._id !== doc._id) throw new Error(`${collection}: _id cannot change`);
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
  if (copy._id !== doc._id) throw new Error(`${collection}: _id cannot change`);
  return copy;
}

/** What an upsert that matched nothing starts from: the filter's equality fields (Mongo's rule). */
export const upsertSeed = (filter: Filter): Record<string, unknown> => {
  const seed: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(filter)) {
    if (!field.startsWith('$') && !field.includes('.') && !isOperatorObject(value)) seed[field] = value;
  }
  return seed;
};
