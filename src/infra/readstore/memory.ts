/** createMemoryReadStore: the collections by name, in memory. */
import type { Collection, Doc, ReadStore } from '../../ports/read-store.js';
import { MemoryCollection } from './memory-collection.js';

/** A read store in memory, gone with the process: for scratch work and tests (embedded mode keeps its read models in SQLite). */
export function createMemoryReadStore(): ReadStore {
  const collections = new Map<string, MemoryCollection<Doc>>();
  return {
    durable: false,
    shared: false,
    collection<T extends Doc>(name: string) {
      let collection = collections.get(name);
      if (!collection) collections.set(name, (collection = new MemoryCollection(name)));
      return collection as unknown as Collection<T>;
    },
    async listCollections() {
      return [...collections.entries()].filter(([, c]) => c.size > 0).map(([name]) => name);
    },
    async flush() {},
    async ping() {},
    async close() {
      collections.clear();
    },
  };
}
