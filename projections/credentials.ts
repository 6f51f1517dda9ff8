import type { AclEvent } from '../domain/acl/decider.js';
import type { ApiKeyEvent } from '../domain/apikey/decider.js';
import { userIdOfStream } from '../domain/user/events.js';
import type { Projection, ProjectedEvent, ProjectionOp } from './types.js';

/**
 * `acls`: each live ACL (`_id` = ACL id) with its patterns and live-token count.
 * `tokens`: each live credential, `acl:<token id>` for ACL tokens and `key:<SHA-256>` for API keys,
 * so that a request's credential is one lookup by id. Revoked, deleted and dead-account
 * credentials are gone from here: a credential works only while it is in this read model.
 */
export const ACLS = 'acls';
export const TOKENS = 'tokens';

export const aclTokenKey = (tokenId: string) => `acl:${tokenId}`;
export const apiKeyKey = (keyHash: string) => `key:${keyHash}`;

type Acl<T extends AclEvent['type']> = Extract<AclEvent, { type: T }>['data'];
type Key<T extends ApiKeyEvent['type']> = Extract<ApiKeyEvent, { type: T }>['data'];

const at = (event: ProjectedEvent) => event.created.toISOString();
const aclIdOf = (event: ProjectedEvent) => event.streamId.slice('acl-'.length);

export const credentialsProjection: Projection = {
  name: 'credentials',
  version: 1,
  collections: {
    [ACLS]: [{ keys: { userId: 1 } }],
    [TOKENS]: [{ keys: { userId: 1 } }, { keys: { aclId: 1 } }, { keys: { keyId: 1 } }],
  },
  handles: [
    'AclCreated',
    'AclRenamed',
    'AclEndpointsChanged',
    'AclTokenIssued',
    'AclTokenRevoked',
    'AclDeleted',
    'ApiKeyCreated',
    'ApiKeyRevoked',
    'UserDeleted',
  ],
  project(event): ProjectionOp[] {
    const aclId = aclIdOf(event);
    switch (event.type) {
      case 'AclCreated': {
        const data = event.data as Acl<'AclCreated'>;
        return [
          {
            collection: ACLS,
            kind: 'upsert',
            id: data.aclId,
            update: {
              $set: {
                userId: data.ownerId,
                name: data.name,
                allowed_endpoints: data.allowedEndpoints,
                created_at: at(event),
                token_count: 0,
              },
            },
          },
        ];
      }
      case 'AclRenamed':
        return [
          {
            collection: ACLS,
            kind: 'update',
            filter: { _id: aclId },
            update: { $set: { name: (event.data as Acl<'AclRenamed'>).name } },
          },
        ];
      case 'AclEndpointsChanged':
        return [
          {
            collection: ACLS,
            kind: 'update',
            filter: { _id: aclId },
            update: { $set: { allowed_endpoints: (event.data as Acl<'AclEndpointsChanged'>).allowedEndpoints } },
          },
        ];
      case 'AclTokenIssued': {
        const data = event.data as Acl<'AclTokenIssued'>;
        return [
          { collection: ACLS, kind: 'update', filter: { _id: aclId }, update: { $inc: { token_count: 1 } } },
          {
            collection: TOKENS,
            kind: 'upsert',
            id: aclTokenKey(data.tokenId),
            update: {
              $set: {
                kind: 'acl',
                tokenId: data.tokenId,
                aclId,
                userId: data.ownerId,
                created_at: at(event),
                expires_at: data.expiresAt,
              },
            },
          },
        ];
      }
      case 'AclTokenRevoked':
        return [
          { collection: ACLS, kind: 'update', filter: { _id: aclId }, update: { $inc: { token_count: -1 } } },
          {
            collection: TOKENS,
            kind: 'delete',
            filter: { _id: aclTokenKey((event.data as Acl<'AclTokenRevoked'>).tokenId) },
          },
        ];
      case 'AclDeleted':
        return [
          { collection: ACLS, kind: 'delete', filter: { _id: aclId } },
          { collection: TOKENS, kind: 'delete', filter: { aclId } },
        ];
      case 'ApiKeyCreated': {
        const data = event.data as Key<'ApiKeyCreated'>;
        return [
          {
            collection: TOKENS,
            kind: 'upsert',
            id: apiKeyKey(data.keyHash),
            update: {
              $set: {
                kind: 'apikey',
                keyId: data.keyId,
                userId: data.ownerId,
                name: data.name,
                prefix: data.prefix,
                keyHash: data.keyHash,
                created_at: at(event),
                expires_at: data.expiresAt,
              },
            },
          },
        ];
      }
      case 'ApiKeyRevoked':
        return [{ collection: TOKENS, kind: 'delete', filter: { keyId: (event.data as Key<'ApiKeyRevoked'>).keyId } }];
      case 'UserDeleted': {
        const userId = userIdOfStream(event.streamId);
        return [
          { collection: ACLS, kind: 'delete', filter: { userId } },
          { collection: TOKENS, kind: 'delete', filter: { userId } },
        ];
      }
      default:
        return [];
    }
  },
};
