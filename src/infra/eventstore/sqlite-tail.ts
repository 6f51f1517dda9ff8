/** The newest events this process appended to the SQLite event store, kept in memory for its subscriptions. */
import type { RecordedEvent } from '../../ports/event-store.js';

const TAIL_LIMIT = 4096;

/**
 * The newest events this process appended, as readers get them, in position order. Every
 * subscription (each projection and reactor) reads every event just after its append: they take
 * it from here instead of each reading and parsing the same rows again. Only a run of
 * consecutive positions right after the reader's is served; a gap (another process appended,
 * the CLI say) or anything older goes to SQLite. Events another process appends after the
 * tail's end reach a subscription at its next poll (POLL_MS, in sqlite-subscription.ts), as they
 * always did.
 */
export class RecentEvents {
  private readonly tail: RecordedEvent[] = [];

  remember(written: RecordedEvent[]) {
    const tail = this.tail;
    for (const event of written) tail.push(event);
    if (tail.length > TAIL_LIMIT) tail.splice(0, tail.length - TAIL_LIMIT);
  }

  /** Consecutive events from just after `from`, at most `maxCount` (maybe fewer than SQLite holds); null when the first is not here. */
  after(from: bigint, maxCount: number): RecordedEvent[] | null {
    const tail = this.tail;
    if (tail.length === 0 || from < tail[0]!.position - 1n || from >= tail[tail.length - 1]!.position) return null;
    let low = 0;
    let high = tail.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (tail[middle]!.position <= from) low = middle + 1;
      else high = middle;
    }
    if (tail[low]!.position !== from + 1n) return null;
    const served: RecordedEvent[] = [tail[low]!];
    for (
      let i = low + 1;
      i < tail.length && served.length < maxCount && tail[i]!.position === tail[i - 1]!.position + 1n;
      i += 1
    )
      served.push(tail[i]!);
    return served;
  }
}
