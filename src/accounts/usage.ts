import type { Logger } from 'pino';
import type { Collection, Doc } from '../ports/read-store.js';

/**
 * When each ACL token and API key was last used, to the minute: kept in memory on every request,
 * written to the read store at most once a minute per credential, never an event per request.
 */
export function createUsageTracker(options: { collection: () => Collection<Doc>; clock: () => Date; logger: Logger; flushMs?: number }) {
  const pending = new Map<string, Date>();
  const flush = async () => {
    const batch = [...pending.entries()];
    pending.clear();
    for (const [id, at] of batch) {
      await options.collection().updateOne({ _id: id }, { $max: { last_used_at: at.toISOString() } }, { upsert: true });
    }
  };
  const timer = setInterval(() => {
    flush().catch((err: unknown) => options.logger.warn({ err }, 'could not record credential use'));
  }, options.flushMs ?? 60_000);
  timer.unref();
  return {
    record(id: string) {
      pending.set(id, options.clock());
    },
    /** Last use per id: what is still in memory, else what was written. */
    async lastUsed(ids: string[]): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      const stored = ids.length ? await options.collection().find({ _id: { $in: ids } }) : [];
      for (const doc of stored) out.set(doc._id, doc.last_used_at as string);
      for (const id of ids) {
        const recent = pending.get(id);
        if (recent) out.set(id, recent.toISOString());
      }
      return out;
    },
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}

export type UsageTracker = ReturnType<typeof createUsageTracker>;
