import { randomBytes } from 'node:crypto';
import { refuse } from '../../domain/shared/errors.js';
import type { InviteRole } from '../../domain/invite/decider.js';
import { INVITES } from '../../projections/invites.js';
import type { Doc } from '../ports/read-store.js';
import type { Caller, RequestInfo } from './types.js';
import { inviteIdOf } from './registration.js';
import type { AccountServices } from './services.js';

const MAX_USES = 1000;

const view = (doc: Doc) => ({
  id: doc._id,
  uses_left: doc.uses_left as number,
  expires_at: (doc.expires_at as string | null) ?? null,
  role: doc.role as InviteRole,
  revoked: doc.revoked === true,
  created_at: doc.created_at as string,
});

/** Invitations: who may invite (INVITES=admins|users), how often a token works, until when, as what. */
export function inviteAccounts(services: AccountServices) {
  const { deps, commandContext, awaitReadModels, decideForInvite } = services;
  const invites = () => deps.projections.collection('invites', INVITES);

  return {
    /** POST /auth/invites: 201 with the token, shown this once (only its derived id is stored). */
    async createInvite(
      caller: Caller,
      input: { uses: number; expiresAt: Date | null; role: InviteRole },
      request: RequestInfo,
    ) {
      if (deps.settings.invites === 'admins' && !caller.isAdmin)
        refuse('admin_only', 'Only admins may invite here (INVITES=admins)');
      if (input.role === 'admin' && caller.role !== 'superadmin')
        refuse('forbidden', 'Only the superadmin may invite admins');
      if (!Number.isInteger(input.uses) || input.uses < 1 || input.uses > MAX_USES)
        refuse('validation_failed', `uses must be 1 to ${MAX_USES}`, [
          { path: 'uses', message: `must be 1 to ${MAX_USES}` },
        ]);
      if (input.expiresAt && input.expiresAt.getTime() <= deps.clock().getTime())
        refuse('validation_failed', 'expires_at must be in the future', [
          { path: 'expires_at', message: 'must be in the future' },
        ]);
      const token = `inv_${randomBytes(32).toString('base64url')}`;
      const inviteId = inviteIdOf(token);
      const expiresAt = input.expiresAt?.toISOString() ?? null;
      const result = await decideForInvite(
        inviteId,
        {
          type: 'IssueInvite',
          data: { inviteId, issuerId: caller.userId, uses: input.uses, expiresAt, role: input.role },
        },
        commandContext(request, caller.userId),
      );
      await awaitReadModels(result);
      return {
        invite: { id: inviteId, token, uses_left: input.uses, expires_at: expiresAt, role: input.role },
        position: result.position,
      };
    },

    /** GET /auth/invites: the caller's invites (never their tokens). */
    async listInvites(caller: Caller) {
      const docs = await invites().find({ issuerId: caller.userId }, { sort: { created_at: -1 } });
      return docs.map(view);
    },

    /** DELETE /auth/invites/{id}: its issuer, or an admin, revokes it; later registrations with it are refused. */
    async revokeInvite(caller: Caller, inviteId: string, request: RequestInfo) {
      const result = await decideForInvite(
        inviteId,
        { type: 'RevokeInvite', data: { by: caller.userId, mayRevokeAny: caller.isAdmin } },
        commandContext(request, caller.userId),
      );
      await awaitReadModels(result);
      const doc = await invites().findOne({ _id: inviteId });
      if (!doc) refuse('not_found', 'No such invite');
      return { invite: view(doc!), position: result.position };
    },
  };
}
