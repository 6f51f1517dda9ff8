/**
 * The head of $all as the port means it: the newest event that is not a system event. The server
 * writes `$stats` and other system events all the time, so the newest events may be hours of
 * those; reading back through them on every health check would cost more each hour. So each
 * answer remembers how far back it read: the next call reads back only to there.
 */
import { BACKWARDS, END, type AllStreamResolvedEvent, type Position, type ReadPosition } from '@eventstore/db-client';
import { comparePositions, isSystemEvent, positionOf } from './esdb-mapping.js';

const HEAD_PAGE = 100;

type ReadPage = (
  from: ReadPosition,
  direction: typeof BACKWARDS,
  maxCount: number,
) => Promise<AllStreamResolvedEvent[]>;

export function esdbHead(readAllPage: ReadPage): () => Promise<bigint> {
  /** The last answer, and the newest $all position it had read back from. */
  let known: { head: bigint; newest: Position } | null = null;
  return async () => {
    let before: Position | undefined;
    let newest: Position | undefined;
    const answer = (head: bigint) => {
      if (newest) known = { head, newest };
      return head;
    };
    for (;;) {
      const page = await readAllPage(before ?? END, BACKWARDS, HEAD_PAGE);
      let advanced = false;
      for (const resolved of page) {
        const position = positionOf(resolved);
        if (!resolved.event || !position) continue;
        if (before && comparePositions(position, before) >= 0) continue;
        newest ??= position;
        // Read back to where the last answer stood: nothing but system events since, so it holds.
        if (known && comparePositions(position, known.newest) <= 0) return answer(known.head);
        before = position;
        advanced = true;
        if (!isSystemEvent(resolved.event)) return answer(position.commit);
      }
      if (page.length < HEAD_PAGE || !advanced) return answer(known?.head ?? 0n);
    }
  };
}
