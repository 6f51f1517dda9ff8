import type { Logger } from 'pino';
import type { UsageStore } from '../ports/usage-store.js';

/**
 * When each ACL token and API key was last used, to the minute: noted in memory on every allowed
 * request, written at most once a minute per credential, never an event per request.
 */
export function createUsageTracker(options: {
  store: UsageStore;
  clock: () => Date;
  logger: Logger;
  flushMs?: number;
}) {
  const pending = new Map<string, Date>();
  const flush = async () => {
    const batch = [...pending.entries()];
    if (!batch.length) return;
    pending.clear();
    try {
      await options.store.record(batch.map(([id, at]) => [id, at.toISOString()]));
    } catch (error) {
      // Kept for the next flush, unless a newer use replaced it meanwhile.
      for (const [id, at] of batch) if (!pending.has(id)) pending.set(id, at);
      throw error;
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
      const out = ids.length ? await options.store.lastUsed(ids) : new Map<string, string>();
      for (const id of ids) {
        const recent = pending.get(id);
        if (recent) out.set(id, recent.toISOString());
      }
      return out;
    },
    async close() {
      clearInterval(timer);
      await flush().catch((err: unknown) => options.logger.warn({ err }, 'could not record credential use'));
    },
  };
}

export type UsageTracker = ReturnType<typeof createUsageTracker>;
