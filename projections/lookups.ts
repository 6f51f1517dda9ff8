import { userIdOfStream, type UserEvent } from '../domain/user/events.js';
import { normalizeEmail, normalizeUsername } from '../domain/user/rules.js';
import type { Projection, ProjectedEvent, ProjectionOp } from './types.js';

/** `lookups`: `username:<name>`, `email:<address>`, `usr:<SHA-256 of the user key>` and linked identities → user id, for logins. */
export const LOOKUPS = 'lookups';

export const usernameKey = (username: string) => `username:${normalizeUsername(username)}`;
export const emailKey = (email: string) => `email:${normalizeEmail(email)}`;
/** The legacy user key is looked up by its SHA-256 only. */
export const usrKey = (usrHash: string) => `usr:${usrHash}`;
/**
 * A linked key or identity: `nostr:<hex>`, `lnurl:<hex>`, `oauth:<provider>:<subject>`. Ids are
 * compared exactly (keys arrive lower-cased; OIDC says `sub` is case-sensitive).
 */
export const identityLookupKey = (method: string, id: string) => `${method}:${id}`;

type Data<T extends UserEvent['type']> = Extract<UserEvent, { type: T }>['data'];

const point = (key: string, event: ProjectedEvent): ProjectionOp => ({
  collection: LOOKUPS,
  kind: 'upsert',
  id: key,
  update: { $set: { userId: userIdOfStream(event.streamId) } },
});
const unpoint = (event: ProjectedEvent): ProjectionOp => ({
  collection: LOOKUPS,
  kind: 'delete',
  filter: { userId: userIdOfStream(event.streamId), _id: { $regex: '^email:' } },
});

export const lookupsProjection: Projection = {
  name: 'lookups',
  version: 2,
  collections: { [LOOKUPS]: [{ keys: { userId: 1 } }] },
  handles: [
    'UserRegistered',
    'EmailChanged',
    'UsernameChanged',
    'UsrKeyIssued',
    'IdentityLinked',
    'IdentityUnlinked',
    'UserDeleted',
  ],
  project(event) {
    const userId = userIdOfStream(event.streamId);
    switch (event.type as UserEvent['type']) {
      case 'UserRegistered': {
        const data = event.data as Data<'UserRegistered'>;
        // After erasure a replay reads null here, and there is nothing left to look up.
        const ops: ProjectionOp[] = [];
        if (data.username) ops.push(point(usernameKey(data.username), event));
        if (data.email) ops.push(point(emailKey(data.email), event));
        return ops;
      }
      case 'EmailChanged': {
        const data = event.data as Data<'EmailChanged'>;
        return [unpoint(event), ...(data.email ? [point(emailKey(data.email), event)] : [])];
      }
      case 'UsernameChanged': {
        const data = event.data as Data<'UsernameChanged'>;
        return [
          { collection: LOOKUPS, kind: 'delete', filter: { userId, _id: { $regex: '^username:' } } },
          ...(data.username ? [point(usernameKey(data.username), event)] : []),
        ];
      }
      case 'UsrKeyIssued': {
        const data = event.data as Data<'UsrKeyIssued'>;
        return [
          ...(data.previousUsrHash
            ? [{ collection: LOOKUPS, kind: 'delete', filter: { _id: usrKey(data.previousUsrHash) } } as ProjectionOp]
            : []),
          point(usrKey(data.usrHash), event),
        ];
      }
      case 'IdentityLinked': {
        const { method, id } = event.data as Data<'IdentityLinked'>;
        return id ? [point(identityLookupKey(method, id), event)] : [];
      }
      case 'IdentityUnlinked': {
        const { method, id } = event.data as Data<'IdentityUnlinked'>;
        return id
          ? [{ collection: LOOKUPS, kind: 'delete', filter: { _id: identityLookupKey(method, id), userId } }]
          : [];
      }
      case 'UserDeleted':
        return [{ collection: LOOKUPS, kind: 'delete', filter: { userId } }];
      default:
        return [];
    }
  },
};
