import { refuse } from '../shared/errors.js';
import type { Decider } from '../shared/decider.js';

/**
 * A claim on a unique value (username, email, …) in a stream `unique-<kind>-<HMAC of the value>`.
 * It is taken before the owner's own events are written, so a crash between the two leaves a
 * claim whose owner never appeared; such a claim can be taken over after a grace period, and a
 * claim whose owner gave it up (but crashed before releasing it) can be taken over at once.
 */
export type ClaimEvent =
  | { type: 'ValueClaimed'; data: { owner: string; at: string; takenOverFrom: string | null } }
  | { type: 'ValueReleased'; data: { owner: string } };

/**
 * What the owner's own stream says of this claim, found by the caller: it `holds` it; it gave it
 * up after claiming it (`gone`: renamed away, deleted, and crashed before the release); or it never
 * took it up (`pending`: its stream never appeared, or the rename that claimed it is still under
 * way, failed, or crashed).
 */
export type OwnerStanding = 'holds' | 'pending' | 'gone';

export type ClaimCommand =
  | { type: 'Claim'; data: { owner: string; now: Date; graceMs: number; standing: OwnerStanding } }
  | { type: 'Release'; data: { owner: string } };

export interface ClaimState {
  owner: string | null;
  claimedAt: Date | null;
}

export const initialState = (): ClaimState => ({ owner: null, claimedAt: null });

export const evolve = (state: ClaimState, event: ClaimEvent): ClaimState => {
  switch (event.type) {
    case 'ValueClaimed':
      return { owner: event.data.owner, claimedAt: new Date(event.data.at) };
    case 'ValueReleased':
      return event.data.owner === state.owner ? initialState() : state;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
};

/** Whether a claim held by someone else may be taken over. */
export const isReclaimable = (state: ClaimState, standing: OwnerStanding, now: Date, graceMs: number): boolean => {
  if (standing === 'gone') return true;
  if (standing === 'pending') return now.getTime() - (state.claimedAt?.getTime() ?? 0) >= graceMs;
  return false;
};

export const decide = (command: ClaimCommand, state: ClaimState): ClaimEvent[] => {
  switch (command.type) {
    case 'Claim': {
      const { owner, now, graceMs, standing } = command.data;
      if (state.owner === owner) return [];
      if (state.owner !== null && !isReclaimable(state, standing, now, graceMs))
        return refuse('conflict', 'This value is taken');
      return [{ type: 'ValueClaimed', data: { owner, at: now.toISOString(), takenOverFrom: state.owner } }];
    }
    case 'Release':
      return state.owner === command.data.owner ? [{ type: 'ValueReleased', data: { owner: command.data.owner } }] : [];
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
};

export const claimDecider: Decider<ClaimCommand, ClaimEvent, ClaimState> = { initialState, evolve, decide };

/** A username, an address, the set-up, or a linked identity's family (`nostr`, `lnurl`, `oauth`: see `identityClaim`). */
export type ClaimKind = 'username' | 'email' | 'setup' | (string & {});
export const personalFields: { [T in ClaimEvent['type']]: string[] } = { ValueClaimed: [], ValueReleased: [] };
