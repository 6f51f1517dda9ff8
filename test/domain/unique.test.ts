import { describe, it } from 'vitest';
import { claimDecider, type ClaimCommand, type ClaimEvent, type OwnerStanding } from '../../domain/unique/decider.js';
import { specFor } from '../support/decider.js';

const given = specFor(claimDecider);
const t0 = new Date('2026-01-01T00:00:00.000Z');
const claimed = (owner: string, at = t0): ClaimEvent => ({
  type: 'ValueClaimed',
  data: { owner, at: at.toISOString(), takenOverFrom: null },
});
const claim = (owner: string, standing: OwnerStanding = 'holds', now = t0): ClaimCommand => ({
  type: 'Claim',
  data: { owner, now, graceMs: 60_000, standing },
});
const later = (ms: number) => new Date(t0.getTime() + ms);

describe('unique value claims', () => {
  it('claims a free value', () =>
    given([])
      .when(claim('a'))
      .then([claimed('a')]));
  it('claiming again for the same owner records nothing', () =>
    given([claimed('a')])
      .when(claim('a'))
      .then([]));
  it('refuses a value another owner holds', () =>
    given([claimed('a')])
      .when(claim('b', 'holds', later(10 * 60_000)))
      .thenRefuses('conflict'));
  it('refuses a claim whose owner never took it up (never appeared, or a rename under way), within the grace period', () =>
    given([claimed('a')])
      .when(claim('b', 'pending', later(59_000)))
      .thenRefuses('conflict'));
  it('takes over a claim whose owner never took it up, after the grace period (a crash between the two appends)', () =>
    given([claimed('a')])
      .when(claim('b', 'pending', later(60_000)))
      .then([{ type: 'ValueClaimed', data: { owner: 'b', at: later(60_000).toISOString(), takenOverFrom: 'a' } }]));
  it('takes over at once a claim whose owner gave it up by a rename or deletion (a crash before the release)', () =>
    given([claimed('a')])
      .when(claim('b', 'gone'))
      .then([{ type: 'ValueClaimed', data: { owner: 'b', at: t0.toISOString(), takenOverFrom: 'a' } }]));
  it('a released value is free again', () =>
    given([claimed('a'), { type: 'ValueReleased', data: { owner: 'a' } }])
      .when(claim('b'))
      .then([claimed('b')]));
  it('releases for its owner', () =>
    given([claimed('a')])
      .when({ type: 'Release', data: { owner: 'a' } })
      .then([{ type: 'ValueReleased', data: { owner: 'a' } }]));
  it('a release by someone else, or of a free value, records nothing', () => {
    given([claimed('a')])
      .when({ type: 'Release', data: { owner: 'b' } })
      .then([]);
    given([])
      .when({ type: 'Release', data: { owner: 'a' } })
      .then([]);
  });
});
