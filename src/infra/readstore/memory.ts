/** createMemoryReadStore: the collections by name, and the snapshot format that saves and loads them whole. */
import { deserialize, serialize } from 'node:v8';
import type { Collection, Doc, SnapshotMarker, SnapshottableReadStore } from '../../ports/read-store.js';
import { MemoryCollection, type CollectionDump } from './memory-collection.js';

const SNAPSHOT_FORMAT = 1;

/** The embedded read store: in memory, rebuilt from the event store at start (or loaded from a snapshot). */
export function createMemoryReadStore(): SnapshottableReadStore {
  const collections = new Map<string, MemoryCollection<Doc>>();
  return {
    durable: false,
    snapshot(marker) {
      // v8's structured serialisation: several times faster than JSON both ways, and exact for dates.
      return serialize({
        format: SNAPSHOT_FORMAT,
        marker,
        collections: [...collections.values()].filter((c) => c.size > 0).map((c) => c.dump()),
      });
    },
    async restore(buffer) {
      const snapshot = deserialize(buffer) as {
        format?: unknown;
        marker?: SnapshotMarker;
        collections?: CollectionDump[];
      };
      if (
        snapshot.format !== SNAPSHOT_FORMAT ||
        typeof snapshot.marker?.position !== 'bigint' ||
        typeof snapshot.marker.versions !== 'object' ||
        !Array.isArray(snapshot.collections)
      ) {
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
