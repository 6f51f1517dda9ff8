import { userIdOfStream, type UserEvent } from '../domain/user/events.js';
import { normalizeEmail, normalizeUsername } from '../domain/user/rules.js';
import type { Projection, ProjectedEvent, ProjectionOp } from './types.js';

/** `lookups`: `username:<name>`, `email:<address>` and `usr:<SHA-256 of the user key>` → user id, for logins. */
export const LOOKUPS = 'lookups';

export const usernameKey = (username: string) => `username:${normalizeUsername(username)}`;
export const emailKey = (email: string) => `email:${normalizeEmail(email)}`;
/** The legacy user key is looked up by its SHA-256 only. */
export const usrKey = (usrHash: string) => `usr:${usrHash}`;
export const nostrKey = (pubkey: string) => `nostr:${pubkey.toLowerCase()}`;
export const lnurlKey = (linkingKey: string) => `lnurl:${linkingKey.toLowerCase()}`;
/** Subjects are compared exactly: OIDC says `sub` is case-sensitive. */
export const oauthKey = (provider: string, subject: string) => `oauth:${provider}:${subject}`;

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
    'NostrKeyLinked',
    'NostrKeyUnlinked',
    'LnurlKeyLinked',
    'LnurlKeyUnlinked',
    'OAuthIdentityLinked',
    'OAuthIdentityUnlinked',
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
      case 'NostrKeyLinked': {
        const pubkey = (event.data as Data<'NostrKeyLinked'>).pubkey;
        return pubkey ? [point(nostrKey(pubkey), event)] : [];
      }
      case 'LnurlKeyLinked': {
        const linkingKey = (event.data as Data<'LnurlKeyLinked'>).linkingKey;
        return linkingKey ? [point(lnurlKey(linkingKey), event)] : [];
      }
      case 'NostrKeyUnlinked': {
        const pubkey = (event.data as Data<'NostrKeyUnlinked'>).pubkey;
        return pubkey ? [{ collection: LOOKUPS, kind: 'delete', filter: { _id: nostrKey(pubkey), userId } }] : [];
      }
      case 'LnurlKeyUnlinked': {
        const linkingKey = (event.data as Data<'LnurlKeyUnlinked'>).linkingKey;
        return linkingKey
          ? [{ collection: LOOKUPS, kind: 'delete', filter: { _id: lnurlKey(linkingKey), userId } }]
          : [];
      }
      case 'OAuthIdentityLinked': {
        const data = event.data as Data<'OAuthIdentityLinked'>;
        return data.subject ? [point(oauthKey(data.provider, data.subject), event)] : [];
      }
      case 'OAuthIdentityUnlinked': {
        const data = event.data as Data<'OAuthIdentityUnlinked'>;
        return data.subject
          ? [{ collection: LOOKUPS, kind: 'delete', filter: { _id: oauthKey(data.provider, data.subject), userId } }]
          : [];
      }
      case 'UserDeleted':
        return [{ collection: LOOKUPS, kind: 'delete', filter: { userId } }];
      default:
        return [];
    }
  },
};
