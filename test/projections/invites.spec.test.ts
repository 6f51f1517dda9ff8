import { describe, it } from 'vitest';
import type { InviteEvent, InviteRole } from '../../domain/invite/decider.js';
import type { UserEvent } from '../../domain/user/events.js';
import { INVITES, invitesProjection } from '../../projections/invites.js';
import { at, expectEveryHandledTypeWrites, inStream, projectionSpec } from '../support/projection.js';

const given = projectionSpec(invitesProjection);

const ADMIN = '0ad00000-0000-4000-8000-000000000001';
const BOB = '0b0b0000-0000-4000-8000-000000000002';
const INVITE_1 = '1e100000-0000-4000-8000-000000000001';
const INVITE_2 = '1e100000-0000-4000-8000-000000000002';
const EXPIRY = '2026-07-01T00:00:00.000Z';

const invite1 = inStream<InviteEvent>(`invite-${INVITE_1}`);
const invite2 = inStream<InviteEvent>(`invite-${INVITE_2}`);
const adminAccount = inStream<UserEvent>(`user-${ADMIN}`);

const issued = (inviteId: string, issuerId = ADMIN, role: InviteRole = 'user'): InviteEvent => ({
  type: 'InviteIssued',
  data: { inviteId, issuerId, uses: 3, expiresAt: EXPIRY, role },
});
const used = (userId: string, usesLeft: number): InviteEvent => ({
  type: 'InviteUsed',
  data: { userId, usesLeft, registrationId: `r-${userId}` },
});
/** An invite document, issued by the event at `position`. */
const invite = (inviteId: string, position: number, more: Record<string, unknown> = {}) => ({
  _id: inviteId,
  issuerId: ADMIN,
  uses_left: 3,
  expires_at: EXPIRY,
  role: 'user',
  revoked: false,
  created_at: at(position),
  ...more,
});

describe('invites projection: each invite with its issuer, uses left, expiry, role and standing', () => {
  it('an issued invite is listed with all its uses left', async () => {
    await given([invite1(issued(INVITE_1)), invite2(issued(INVITE_2, ADMIN, 'admin'))]).then({
      [INVITES]: [invite(INVITE_1, 1), invite(INVITE_2, 2, { role: 'admin' })],
    });
  });

  it('each registration takes a use, and a failed one gives it back', async () => {
    await given([invite1(issued(INVITE_1)), invite1(used('u-1', 2)), invite1(used('u-2', 1))]).then({
      [INVITES]: [invite(INVITE_1, 1, { uses_left: 1 })],
    });
    await given([
      invite1(issued(INVITE_1)),
      invite1(used('u-1', 2)),
      invite1({ type: 'InviteUseReturned', data: { userId: 'u-1', usesLeft: 3, registrationId: 'r-u-1' } }),
    ]).then({
      [INVITES]: [invite(INVITE_1, 1)],
    });
  });

  it('reads a use from before uses were named by their registration', async () => {
    await given([
      invite1(issued(INVITE_1)),
      invite1({ type: 'InviteUsed', data: { userId: 'u-1', usesLeft: 2 } }),
    ]).then({ [INVITES]: [invite(INVITE_1, 1, { uses_left: 2 })] });
  });

  it('a revoked invite stays listed, marked revoked', async () => {
    await given([
      invite1(issued(INVITE_1)),
      invite2(issued(INVITE_2)),
      invite1({ type: 'InviteRevoked', data: { by: ADMIN } }),
    ]).then({
      [INVITES]: [invite(INVITE_1, 1, { revoked: true }), invite(INVITE_2, 2)],
    });
  });

  it("a deleted account's invites go with it; another issuer's stay", async () => {
    await given([
      invite1(issued(INVITE_1)),
      invite2(issued(INVITE_2, BOB)),
      adminAccount({ type: 'UserDeleted', data: { releasedClaims: [] } }),
    ]).then({
      [INVITES]: [invite(INVITE_2, 2, { issuerId: BOB })],
    });
  });

  it('writes for every event type it handles', () => {
    expectEveryHandledTypeWrites(invitesProjection, [
      invite1(issued(INVITE_1)),
      invite1(used('u-1', 2)),
      invite1({ type: 'InviteUseReturned', data: { userId: 'u-1', usesLeft: 3, registrationId: 'r-u-1' } }),
      invite1({ type: 'InviteRevoked', data: { by: ADMIN } }),
      adminAccount({ type: 'UserDeleted', data: { releasedClaims: [] } }),
    ]);
  });
});
