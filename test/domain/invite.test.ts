import { describe, it } from 'vitest';
import { inviteDecider, type InviteEvent } from '../../domain/invite/decider.js';
import { specFor } from '../support/decider.js';

const given = specFor(inviteDecider);
const now = new Date('2026-06-01T12:00:00.000Z');
const issued = (uses: number, expiresAt: string | null = null): InviteEvent => ({
  type: 'InviteIssued',
  data: { inviteId: 'i1', issuerId: 'admin', uses, expiresAt, role: 'user' },
});
const used = (userId: string, usesLeft: number, registrationId = `r-${userId}`): InviteEvent => ({
  type: 'InviteUsed',
  data: { userId, usesLeft, registrationId },
});
const use = (userId: string, registrationId = `r-${userId}`) => ({
  type: 'UseInvite' as const,
  data: { userId, registrationId, now },
});

describe('invite decider', () => {
  it('issues with at least one use', () => {
    given([])
      .when({ type: 'IssueInvite', data: issued(2).data as any })
      .then([issued(2)]);
    given([])
      .when({ type: 'IssueInvite', data: { ...(issued(0).data as any) } })
      .thenRefuses('validation_failed');
  });
  it('takes a use per account, and refuses one too many', () => {
    given([issued(2)])
      .when(use('u1'))
      .then([used('u1', 1)]);
    given([issued(2), used('u1', 1), used('u2', 0)])
      .when(use('u3'))
      .thenRefuses('invite_required');
  });
  it('a retried registration of the same account takes no second use', () =>
    given([issued(1), used('u1', 0)])
      .when(use('u1', 'retry'))
      .then([]));
  it('gives a use back once, and only to the registration attempt that took it', () => {
    given([issued(1), used('u1', 0)])
      .when({ type: 'ReturnInviteUse', data: { registrationId: 'r-u1' } })
      .then([{ type: 'InviteUseReturned', data: { userId: 'u1', usesLeft: 1, registrationId: 'r-u1' } }]);
    given([issued(1)])
      .when({ type: 'ReturnInviteUse', data: { registrationId: 'r-u1' } })
      .then([]);
    given([
      issued(1),
      used('u1', 0),
      { type: 'InviteUseReturned', data: { userId: 'u1', usesLeft: 1, registrationId: 'r-u1' } },
    ])
      .when({ type: 'ReturnInviteUse', data: { registrationId: 'r-u1' } })
      .then([]);
    // A racing attempt for the same account took nothing (it shared the use), so it gives nothing back.
    given([issued(1), used('u1', 0)])
      .when({ type: 'ReturnInviteUse', data: { registrationId: 'racing-attempt' } })
      .then([]);
  });
  it('reads older uses, named by their account', () => {
    const older: InviteEvent = { type: 'InviteUsed', data: { userId: 'u1', usesLeft: 0 } };
    given([issued(1), older])
      .when(use('u2'))
      .thenRefuses('invite_required');
    given([issued(1), older])
      .when({ type: 'ReturnInviteUse', data: { registrationId: 'u1' } })
      .then([{ type: 'InviteUseReturned', data: { userId: 'u1', usesLeft: 1, registrationId: 'u1' } }]);
  });
  it('refuses an expired, revoked or unknown invite', () => {
    given([issued(5, '2026-06-01T11:59:59.000Z')])
      .when(use('u1'))
      .thenRefuses('invite_required');
    given([issued(5), { type: 'InviteRevoked', data: { by: 'admin' } }])
      .when(use('u1'))
      .thenRefuses('invite_required');
    given([]).when(use('u1')).thenRefuses('invite_required');
  });
  it('is revoked by its issuer or an admin only', () => {
    given([issued(1)])
      .when({ type: 'RevokeInvite', data: { by: 'admin', mayRevokeAny: false } })
      .then([{ type: 'InviteRevoked', data: { by: 'admin' } }]);
    given([issued(1)])
      .when({ type: 'RevokeInvite', data: { by: 'someone', mayRevokeAny: false } })
      .thenRefuses('not_found');
    given([issued(1)])
      .when({ type: 'RevokeInvite', data: { by: 'other-admin', mayRevokeAny: true } })
      .then([{ type: 'InviteRevoked', data: { by: 'other-admin' } }]);
  });
});
