import type { InviteEvent } from '../domain/invite/decider.js';
import { userIdOfStream } from '../domain/user/events.js';
import type { Projection, ProjectionOp } from './types.js';

/** `invites`: each invite (`_id` = invite id) with its issuer, uses left, expiry, role and standing. */
export const INVITES = 'invites';

type Data<T extends InviteEvent['type']> = Extract<InviteEvent, { type: T }>['data'];

export const invitesProjection: Projection = {
  name: 'invites',
  version: 1,
  collections: { [INVITES]: [{ keys: { issuerId: 1 } }] },
  handles: ['InviteIssued', 'InviteUsed', 'InviteUseReturned', 'InviteRevoked', 'UserDeleted'],
  project(event): ProjectionOp[] {
    const inviteId = event.streamId.slice('invite-'.length);
    switch (event.type as InviteEvent['type'] | 'UserDeleted') {
      case 'InviteIssued': {
        const data = event.data as Data<'InviteIssued'>;
        return [
          {
            collection: INVITES,
            kind: 'upsert',
            id: data.inviteId,
            update: {
              $set: {
                issuerId: data.issuerId,
                uses_left: data.uses,
                expires_at: data.expiresAt,
                role: data.role,
                revoked: false,
                created_at: event.created.toISOString(),
              },
            },
          },
        ];
      }
      case 'InviteUsed':
      case 'InviteUseReturned':
        return [
          {
            collection: INVITES,
            kind: 'update',
            filter: { _id: inviteId },
            update: { $set: { uses_left: (event.data as Data<'InviteUsed'>).usesLeft } },
          },
        ];
      case 'InviteRevoked':
        return [
          { collection: INVITES, kind: 'update', filter: { _id: inviteId }, update: { $set: { revoked: true } } },
        ];
      case 'UserDeleted':
        // A deleted account's open invites go with it.
        return [{ collection: INVITES, kind: 'delete', filter: { issuerId: userIdOfStream(event.streamId) } }];
      default:
        return [];
    }
  },
};
