import { describe, it } from 'vitest';
import type { AclEvent } from '../../domain/acl/decider.js';
import type { ApiKeyEvent } from '../../domain/apikey/decider.js';
import type { UserEvent } from '../../domain/user/events.js';
import { ACLS, credentialsProjection, TOKENS } from '../../projections/credentials.js';
import { at, expectEveryHandledTypeWrites, inStream, projectionSpec } from '../support/projection.js';

const given = projectionSpec(credentialsProjection);

const ALICE = '0a11ce00-0000-4000-8000-000000000001';
const BOB = '0b0b0000-0000-4000-8000-000000000002';
const ACL_1 = 'ac100000-0000-4000-8000-000000000001';
const ACL_2 = 'ac100000-0000-4000-8000-000000000002';
const KEY_1 = 'ae100000-0000-4000-8000-000000000001';
const KEY_2 = 'ae100000-0000-4000-8000-000000000002';
const EXPIRY = '2026-07-01T00:00:00.000Z';

const acl1 = inStream<AclEvent>(`acl-${ACL_1}`);
const acl2 = inStream<AclEvent>(`acl-${ACL_2}`);
const aliceAccount = inStream<UserEvent>(`user-${ALICE}`);

const aclCreated = (aclId: string, ownerId = ALICE): AclEvent => ({
  type: 'AclCreated',
  data: { aclId, ownerId, name: 'read-only', allowedEndpoints: ['GET /api/v1/**'] },
});
const tokenIssued = (tokenId: string, ownerId = ALICE, expiresAt: string | null = null): AclEvent => ({
  type: 'AclTokenIssued',
  data: { tokenId, ownerId, expiresAt },
});
const tokenRevoked = (tokenId: string): AclEvent => ({ type: 'AclTokenRevoked', data: { ownerId: ALICE, tokenId } });
const apiKeyCreated = (keyId: string, ownerId = ALICE) =>
  inStream<ApiKeyEvent>(`apikey-${keyId}`)({
    type: 'ApiKeyCreated',
    data: {
      keyId,
      ownerId,
      name: `key ${keyId.slice(-1)}`,
      prefix: `ak_${keyId.slice(-1)}`,
      keyHash: `sha-${keyId.slice(-1)}`,
      expiresAt: EXPIRY,
    },
  });
const apiKeyRevoked = (keyId: string) =>
  inStream<ApiKeyEvent>(`apikey-${keyId}`)({
    type: 'ApiKeyRevoked',
    data: { keyId, ownerId: ALICE, reason: 'password_reset' },
  });

/** An ACL document, created by the event at `created`. */
const acl = (aclId: string, created: number, more: Record<string, unknown> = {}) => ({
  _id: aclId,
  userId: ALICE,
  name: 'read-only',
  allowed_endpoints: ['GET /api/v1/**'],
  created_at: at(created),
  token_count: 0,
  ...more,
});
/** A live ACL token's document, issued by the event at `issued`. */
const aclToken = (tokenId: string, aclId: string, issued: number, userId = ALICE, expiresAt: string | null = null) => ({
  _id: `acl:${tokenId}`,
  kind: 'acl',
  tokenId,
  aclId,
  userId,
  created_at: at(issued),
  expires_at: expiresAt,
});
/** A live API key's document, created by the event at `created`. */
const apiKey = (keyId: string, created: number, userId = ALICE) => ({
  _id: `key:sha-${keyId.slice(-1)}`,
  kind: 'apikey',
  keyId,
  userId,
  name: `key ${keyId.slice(-1)}`,
  prefix: `ak_${keyId.slice(-1)}`,
  keyHash: `sha-${keyId.slice(-1)}`,
  created_at: at(created),
  expires_at: EXPIRY,
});

describe('credentials projection: live ACLs with their token counts, and every live ACL token and API key', () => {
  it('a created ACL is listed with its patterns and no tokens', async () => {
    await given([acl1(aclCreated(ACL_1))]).then({ [ACLS]: [acl(ACL_1, 1)], [TOKENS]: [] });
  });

  it('shows a renamed ACL and its changed patterns', async () => {
    await given([
      acl1(aclCreated(ACL_1)),
      acl1({ type: 'AclRenamed', data: { ownerId: ALICE, name: 'writer' } }),
      acl1({
        type: 'AclEndpointsChanged',
        data: { ownerId: ALICE, allowedEndpoints: ['GET /api/v1/**', 'POST /api/v1/payments'] },
      }),
    ]).then({
      [ACLS]: [acl(ACL_1, 1, { name: 'writer', allowed_endpoints: ['GET /api/v1/**', 'POST /api/v1/payments'] })],
      [TOKENS]: [],
    });
  });

  it('counts the tokens issued on an ACL, each of them a live credential with its expiry', async () => {
    await given([acl1(aclCreated(ACL_1)), acl1(tokenIssued('t-1')), acl1(tokenIssued('t-2', ALICE, EXPIRY))]).then({
      [ACLS]: [acl(ACL_1, 1, { token_count: 2 })],
      [TOKENS]: [aclToken('t-1', ACL_1, 2), aclToken('t-2', ACL_1, 3, ALICE, EXPIRY)],
    });
  });

  it('a revoked ACL token no longer works and no longer counts', async () => {
    await given([
      acl1(aclCreated(ACL_1)),
      acl1(tokenIssued('t-1')),
      acl1(tokenIssued('t-2')),
      acl1(tokenRevoked('t-1')),
    ]).then({
      [ACLS]: [acl(ACL_1, 1, { token_count: 1 })],
      [TOKENS]: [aclToken('t-2', ACL_1, 3)],
    });
  });

  it("a deleted ACL takes its tokens with it; another ACL's stay", async () => {
    await given([
      acl1(aclCreated(ACL_1)),
      acl2(aclCreated(ACL_2)),
      acl1(tokenIssued('t-1')),
      acl2(tokenIssued('t-2')),
      acl1({ type: 'AclDeleted', data: { ownerId: ALICE, revokedTokenIds: ['t-1'] } }),
    ]).then({ [ACLS]: [acl(ACL_2, 2, { token_count: 1 })], [TOKENS]: [aclToken('t-2', ACL_2, 4)] });
  });

  it('an API key is a live credential, found by its hash, until it is revoked', async () => {
    await given([apiKeyCreated(KEY_1), apiKeyCreated(KEY_2)]).then({
      [ACLS]: [],
      [TOKENS]: [apiKey(KEY_1, 1), apiKey(KEY_2, 2)],
    });
    await given([apiKeyCreated(KEY_1), apiKeyCreated(KEY_2), apiKeyRevoked(KEY_1)]).then({
      [ACLS]: [],
      [TOKENS]: [apiKey(KEY_2, 2)],
    });
  });

  it("a deleted account's ACLs, ACL tokens and API keys are all gone; another account's stay", async () => {
    await given([
      acl1(aclCreated(ACL_1)),
      acl1(tokenIssued('t-1')),
      apiKeyCreated(KEY_1),
      acl2(aclCreated(ACL_2, BOB)),
      acl2(tokenIssued('t-2', BOB)),
      apiKeyCreated(KEY_2, BOB),
      aliceAccount({ type: 'UserDeleted', data: { releasedClaims: [] } }),
    ]).then({
      [ACLS]: [acl(ACL_2, 4, { userId: BOB, token_count: 1 })],
      [TOKENS]: [aclToken('t-2', ACL_2, 5, BOB), apiKey(KEY_2, 6, BOB)],
    });
  });

  it('writes for every event type it handles', () => {
    expectEveryHandledTypeWrites(credentialsProjection, [
      acl1(aclCreated(ACL_1)),
      acl1({ type: 'AclRenamed', data: { ownerId: ALICE, name: 'writer' } }),
      acl1({ type: 'AclEndpointsChanged', data: { ownerId: ALICE, allowedEndpoints: ['GET /api/v1/**'] } }),
      acl1(tokenIssued('t-1')),
      acl1(tokenRevoked('t-1')),
      acl1({ type: 'AclDeleted', data: { ownerId: ALICE, revokedTokenIds: [] } }),
      apiKeyCreated(KEY_1),
      apiKeyRevoked(KEY_1),
      aliceAccount({ type: 'UserDeleted', data: { releasedClaims: [] } }),
    ]);
  });
});
