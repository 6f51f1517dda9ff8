import type { AllStreamResolvedEvent, Position, ReadPosition } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { esdbHead } from '../../src/infra/eventstore/esdb-head.js';
import { knownPosition, positionOf } from '../../src/infra/eventstore/esdb-mapping.js';

/*
 * The EventStoreDB adapter's head and positions, over a stand-in for $all read backwards (no
 * server runs here): the head is the newest non-system event, a later call reads back only to
 * where the last one stood, and an older server's "no position" is none.
 */

const log: AllStreamResolvedEvent[] = [];
let read = 0;
const append = (streamId: string, type: string) => {
  const p = BigInt(log.length + 1) * 100n;
  log.push({
    event: { streamId, type, position: { commit: p, prepare: p } },
    commitPosition: p,
  } as AllStreamResolvedEvent);
  return p;
};
/** $all backwards from `from` (END or a position, inclusive as the server reads), `maxCount` at most. */
const readAllPage = async (from: ReadPosition, _direction: unknown, maxCount: number) => {
  const start =
    typeof from === 'object'
      ? log.findLastIndex((e) => (e.event!.position as Position).commit <= (from as Position).commit)
      : log.length - 1;
  const page = log.slice(Math.max(0, start - maxCount + 1), start + 1).reverse();
  read += page.length;
  return page;
};

describe('the EventStoreDB head', () => {
  it('is the newest event not of a system stream, read back only as far as the last answer', async () => {
    const head = esdbHead(readAllPage as never);
    expect(await head()).toBe(0n);
    const user = append('user-1', 'UserRegistered');
    for (let i = 0; i < 250; i += 1) append('$stats-0.0.0.0:2113', '$statsCollected');
    expect(await head()).toBe(user);

    // More statistics later: one page is read (back to where the last answer stood), not the 280
    // events back to the user event again.
    for (let i = 0; i < 30; i += 1) append('$stats-0.0.0.0:2113', '$statsCollected');
    read = 0;
    expect(await head()).toBe(user);
    expect(read).toBeLessThanOrEqual(100);
    const fresh = esdbHead(readAllPage as never);
    read = 0;
    expect(await fresh()).toBe(user);
    expect(read).toBeGreaterThan(280);

    const next = append('user-2', 'UserRegistered');
    append('$stats-0.0.0.0:2113', '$statsCollected');
    expect(await head()).toBe(next);
  });

  it('reads an older server\'s "no position" (-1 sent as 2^64 - 1) as none', () => {
    const unknown = 2n ** 64n - 1n;
    expect(knownPosition({ commit: unknown, prepare: unknown })).toBeUndefined();
    expect(knownPosition({ commit: 7n, prepare: 7n })).toEqual({ commit: 7n, prepare: 7n });
    const resolved = { event: { streamId: 's', type: 't', position: undefined }, commitPosition: unknown };
    expect(positionOf(resolved as never)).toBeUndefined();
  });
});
