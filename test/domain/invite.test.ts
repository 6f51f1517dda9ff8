import { describe, it } from 'vitest';
import { inviteDecider, type InviteEvent } from '../../domain/invite/decider.js';
import { specFor } from '../support/decider.js';

const given = specFor(inviteDecider);
const now = new Date('2026-06-01T12:00:00.000Z');
const issued = (uses: number, expiresAt: string | null = null): InviteEvent => ({ type: 'InviteIssued', data: { inviteId: 'i1', issuerId: 'admin', uses, expiresAt, role: 'user' } });
const used = (userId: string, usesLeft: number): InviteEvent => ({ type: 'InviteUsed', data: { userId, usesLeft } });

describe('invite decider', () => {
  it('issues with at least one use', () => {
    given([]).when({ type: 'IssueInvite', data: issued(2).data as any }).then([issued(2)]);
    given([]).when({ type: 'IssueInvite', data: { ...(issued(0).data as any) } }).thenRefuses('validation_failed');
  });
  it('takes a use per account, and refuses one too many', () => {
    given([issued(2)]).when({ type: 'UseInvite', data: { userId: 'u1', now } }).then([used('u1', 1)]);
    given([issued(2), used('u1', 1), used('u2', 0)]).when({ type: 'UseInvite', data: { userId: 'u3', now } }).thenRefuses('invite_required');
  });
  it('a retried registration of the same account takes no second use', () => given([issued(1), used('u1', 0)]).when({ type: 'UseInvite', data: { userId: 'u1', now } }).then([]));
  it('gives a use back once, for an account that holds one', () => {
    given([issued(1), used('u1', 0)]).when({ type: 'ReturnInviteUse', data: { userId: 'u1' } }).then([{ type: 'InviteUseReturned', data: { userId: 'u1', usesLeft: 1 } }]);
    given([issued(1)]).when({ type: 'ReturnInviteUse', data: { userId: 'u1' } }).then([]);
  });
  it('refuses an expired, revoked or unknown invite', () => {
    given([issued(5, '2026-06-01T11:59:59.000Z')]).when({ type: 'UseInvite', data: { userId: 'u1', now } }).thenRefuses('invite_required');
    given([issued(5), { type: 'InviteRevoked', data: { by: 'admin' } }]).when({ type: 'UseInvite', data: { userId: 'u1', now } }).thenRefuses('invite_required');
    given([]).when({ type: 'UseInvite', data: { userId: 'u1', now } }).thenRefuses('invite_required');
  });
  it('is revoked by its issuer or an admin only', () => {
    given([issued(1)]).when({ type: 'RevokeInvite', data: { by: 'admin', mayRevokeAny: false } }).then([{ type: 'InviteRevoked', data: { by: 'admin' } }]);
    given([issued(1)]).when({ type: 'RevokeInvite', data: { by: 'someone', mayRevokeAny: false } }).thenRefuses('not_found');
    given([issued(1)]).when({ type: 'RevokeInvite', data: { by: 'other-admin', mayRevokeAny: true } }).then([{ type: 'InviteRevoked', data: { by: 'other-admin' } }]);
  });
});
