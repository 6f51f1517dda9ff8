import type { ReadStore } from '../../ports/read-store.js';
import type { UsageStore } from '../../ports/usage-store.js';

/** Last uses in the read store (MongoDB): a plain collection no rebuild touches. */
export const createReadStoreUsageStore = (readStore: ReadStore): UsageStore => ({
  async lastUsed(ids) {
    const docs = await readStore.collection('credential_usage').find({ _id: { $in: ids } });
    return new Map(docs.map((d) => [d._id, d.last_used_at as string]));
  },
  async record(entries) {
    for (const [id, at] of entries) {
      await readStore
        .collection('credential_usage')
        .updateOne({ _id: id }, { $max: { last_used_at: at } }, { upsert: true });
    }
  },
});
