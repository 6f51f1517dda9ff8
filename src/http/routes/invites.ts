import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';

const inviteBody = z.strictObject({
  uses: z.number().int().min(1).max(1000).default(1),
  expires_at: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time' }).nullish(),
  role: z.enum(['user', 'admin']).default('user'),
});
const inviteParams = z.strictObject({ id: z.uuid({ message: 'must be an invite id' }) });
const invite = z.object({
  id: z.uuid(),
  uses_left: z.number().int(),
  expires_at: z.string().nullable(),
  role: z.enum(['user', 'admin']),
});
const issued = invite.extend({
  token: z.string().describe('inv_…: shown this once; give it as referrer_token when registering'),
});
const listed = invite.extend({ revoked: z.boolean(), created_at: z.string() });
const tag = 'Invitations';

/** Invitations (`INVITES=admins|users` says who may invite; `REGISTRATION=invite` makes them required). */
export function inviteRoutes(accounts: Accounts, routes: Routes): void {
  routes.add(
    'post',
    '/auth/invites',
    {
      policy: 'session',
      command: true,
      tag,
      // Only an invite that makes an admin is a sensitive action (one nobody but an admin may make anyway).
      stepUp: (body, caller) => body.role === 'admin' && caller.isAdmin,
      summary: 'Make an invite: how many registrations it allows, until when, and as what role',
      body: inviteBody,
      responses: { 201: { description: 'The invite with its token, shown this once', schema: issued } },
      errors: [403],
    },
    async ({ body }, req, res) => {
      const made = await accounts.createInvite(
        callerOf(req),
        { uses: body.uses, expiresAt: body.expires_at ? new Date(body.expires_at) : null, role: body.role },
        requestInfo(req),
      );
      await routes.answerCommand(res, made.position, 201, made.invite);
    },
  );

  routes.add(
    'get',
    '/auth/invites',
    {
      policy: 'session',
      tag,
      summary: "The caller's invites (never their tokens)",
      responses: { 200: { description: 'Invites, newest first', schema: z.array(listed) } },
    },
    async (_input, req, res) => {
      res.json(await accounts.listInvites(callerOf(req)));
    },
  );

  routes.add(
    'delete',
    '/auth/invites/:id',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Revoke an invite (its issuer, or an admin)',
      params: inviteParams,
      responses: { 200: { description: 'The invite, revoked', schema: listed } },
      errors: [404],
    },
    async ({ params }, req, res) => {
      const revoked = await accounts.revokeInvite(callerOf(req), params.id, requestInfo(req));
      await routes.answerCommand(res, revoked.position, 200, revoked.invite);
    },
  );
}
