import { describe, it } from 'vitest';
import type { SessionMethod, UserEvent } from '../../domain/user/events.js';
import { SESSIONS, sessionsProjection } from '../../projections/sessions.js';
import { at, expectEveryHandledTypeWrites, inStream, projectionSpec } from '../support/projection.js';

const given = projectionSpec(sessionsProjection);

const ALICE = '0a11ce00-0000-4000-8000-000000000001';
const BOB = '0b0b0000-0000-4000-8000-000000000002';
const alice = inStream<UserEvent>(`user-${ALICE}`);
const bob = inStream<UserEvent>(`user-${BOB}`);

const started = (sessionId: string, method: SessionMethod = 'password'): UserEvent => ({
  type: 'SessionStarted',
  data: { sessionId, method, ip: '203.0.113.7', userAgent: 'Firefox' },
});
const ended = (sessionId: string): UserEvent => ({ type: 'SessionEnded', data: { sessionId, reason: 'logout' } });
/** A live session document, started by the event at `position`. */
const session = (sessionId: string, userId: string, position: number, method: SessionMethod = 'password') => ({
  _id: sessionId,
  userId,
  method,
  ip: '203.0.113.7',
  user_agent: 'Firefox',
  created_at: at(position),
});

describe('sessions projection: the live sessions, whose tokens work', () => {
  it('a started session is live, with its account, method, address, user agent and start', async () => {
    await given([alice(started('s-1')), alice(started('s-2', 'nostr'))]).then({
      [SESSIONS]: [session('s-1', ALICE, 1), session('s-2', ALICE, 2, 'nostr')],
    });
  });

  it("an ended session is gone; the account's other sessions live on", async () => {
    await given([alice(started('s-1')), alice(started('s-2')), alice(ended('s-1'))]).then({
      [SESSIONS]: [session('s-2', ALICE, 2)],
    });
  });

  it('a session read back erased keeps null for its address and user agent', async () => {
    await given([
      alice({ type: 'SessionStarted', data: { sessionId: 's-1', method: 'register', ip: null, userAgent: null } }),
    ]).then({
      [SESSIONS]: [{ _id: 's-1', userId: ALICE, method: 'register', ip: null, user_agent: null, created_at: at(1) }],
    });
  });

  it('a session proven again (step-up) keeps its start and says when it was proven', async () => {
    await given([alice(started('s-1')), alice({ type: 'SessionProved', data: { sessionId: 's-1' } })]).then({
      [SESSIONS]: [{ ...session('s-1', ALICE, 1), proved_at: at(2) }],
    });
  });

  it("a deleted account's sessions all end; other accounts' stay", async () => {
    await given([
      alice(started('s-1')),
      bob(started('s-2')),
      alice(started('s-3')),
      alice({ type: 'UserDeleted', data: { releasedClaims: [] } }),
    ]).then({
      [SESSIONS]: [session('s-2', BOB, 2)],
    });
  });

  it('writes for every event type it handles', () => {
    expectEveryHandledTypeWrites(sessionsProjection, [
      alice(started('s-1')),
      alice({ type: 'SessionProved', data: { sessionId: 's-1' } }),
      alice(ended('s-1')),
      alice({ type: 'UserDeleted', data: { releasedClaims: [] } }),
    ]);
  });
});
