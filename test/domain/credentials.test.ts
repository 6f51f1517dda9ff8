import { describe, it } from 'vitest';
import { aclDecider, type AclEvent } from '../../domain/acl/decider.js';
import { apiKeyDecider, type ApiKeyEvent } from '../../domain/apikey/decider.js';
import { specFor } from '../support/decider.js';

const acl = specFor(aclDecider);
const now = new Date('2026-06-01T12:00:00.000Z');
const created: AclEvent = {
  type: 'AclCreated',
  data: { aclId: 'a1', ownerId: 'u1', name: 'wallet', allowedEndpoints: ['GET /api/v1/wallet'] },
};
const issued = (tokenId = 't1'): AclEvent => ({
  type: 'AclTokenIssued',
  data: { tokenId, ownerId: 'u1', expiresAt: null },
});
const deleted: AclEvent = { type: 'AclDeleted', data: { ownerId: 'u1', revokedTokenIds: [] } };

describe('ACL decider', () => {
  it('creates with normalized, de-duplicated patterns', () =>
    acl([])
      .when({
        type: 'CreateAcl',
        data: {
          aclId: 'a1',
          ownerId: 'u1',
          name: 'wallet',
          allowedEndpoints: ['get /api/v1/wallet/', 'GET /api/v1/wallet'],
        },
      })
      .then([created]));
  it('takes an empty pattern list (it allows nothing); refuses a malformed one', () => {
    acl([])
      .when({ type: 'CreateAcl', data: { aclId: 'a1', ownerId: 'u1', name: 'x', allowedEndpoints: [] } })
      .then([{ type: 'AclCreated', data: { aclId: 'a1', ownerId: 'u1', name: 'x', allowedEndpoints: [] } }]);
    acl([])
      .when({
        type: 'CreateAcl',
        data: { aclId: 'a1', ownerId: 'u1', name: 'x', allowedEndpoints: ['GET /ok', 'FETCH /no'] },
      })
      .thenRefuses('validation_failed');
    acl([created])
      .when({ type: 'UpdateAcl', data: { ownerId: 'u1', allowedEndpoints: ['/no-method'] } })
      .thenRefuses('validation_failed');
  });
  it('renames and changes endpoints; nothing when nothing changes', () => {
    acl([created])
      .when({ type: 'UpdateAcl', data: { ownerId: 'u1', name: 'pay', allowedEndpoints: ['POST /api/v1/payments/*'] } })
      .then([
        { type: 'AclRenamed', data: { ownerId: 'u1', name: 'pay' } },
        { type: 'AclEndpointsChanged', data: { ownerId: 'u1', allowedEndpoints: ['POST /api/v1/payments/*'] } },
      ]);
    acl([created])
      .when({ type: 'UpdateAcl', data: { ownerId: 'u1', name: 'wallet', allowedEndpoints: ['GET /api/v1/wallet'] } })
      .then([]);
  });
  it('deletes, naming the tokens that die with it', () =>
    acl([created, issued('t1'), issued('t2'), { type: 'AclTokenRevoked', data: { ownerId: 'u1', tokenId: 't1' } }])
      .when({ type: 'DeleteAcl', data: { ownerId: 'u1' } })
      .then([{ type: 'AclDeleted', data: { ownerId: 'u1', revokedTokenIds: ['t2'] } }]));
  it("refuses every command on a deleted ACL, and on someone else's", () => {
    acl([created, deleted])
      .when({ type: 'UpdateAcl', data: { ownerId: 'u1', name: 'x' } })
      .thenRefuses('not_found');
    acl([created, deleted])
      .when({ type: 'IssueAclToken', data: { ownerId: 'u1', tokenId: 't', expiresAt: null, now } })
      .thenRefuses('not_found');
    acl([created, deleted])
      .when({ type: 'DeleteAcl', data: { ownerId: 'u1' } })
      .thenRefuses('not_found');
    acl([created])
      .when({ type: 'DeleteAcl', data: { ownerId: 'u2' } })
      .thenRefuses('not_found');
    acl([created])
      .when({ type: 'IssueAclToken', data: { ownerId: 'u2', tokenId: 't', expiresAt: null, now } })
      .thenRefuses('not_found');
  });
  it('issues tokens, with an expiry in the future only', () => {
    acl([created])
      .when({ type: 'IssueAclToken', data: { ownerId: 'u1', tokenId: 't1', expiresAt: null, now } })
      .then([issued('t1')]);
    acl([created])
      .when({
        type: 'IssueAclToken',
        data: { ownerId: 'u1', tokenId: 't1', expiresAt: new Date(now.getTime() - 1), now },
      })
      .thenRefuses('validation_failed');
  });
  it('revokes a live token; refuses an unknown one and one already revoked', () => {
    acl([created, issued()])
      .when({ type: 'RevokeAclToken', data: { ownerId: 'u1', tokenId: 't1' } })
      .then([{ type: 'AclTokenRevoked', data: { ownerId: 'u1', tokenId: 't1' } }]);
    acl([created])
      .when({ type: 'RevokeAclToken', data: { ownerId: 'u1', tokenId: 'nope' } })
      .thenRefuses('not_found');
    acl([created, issued(), { type: 'AclTokenRevoked', data: { ownerId: 'u1', tokenId: 't1' } }])
      .when({ type: 'RevokeAclToken', data: { ownerId: 'u1', tokenId: 't1' } })
      .thenRefuses('conflict');
  });
});

const key = specFor(apiKeyDecider);
const keyCreated: ApiKeyEvent = {
  type: 'ApiKeyCreated',
  data: { keyId: 'k1', ownerId: 'u1', name: 'ci', prefix: 'ak_abcdef', keyHash: 'h', expiresAt: null },
};

describe('API key decider', () => {
  it('creates once, with an expiry in the future only', () => {
    key([])
      .when({
        type: 'CreateApiKey',
        data: { keyId: 'k1', ownerId: 'u1', name: 'ci', prefix: 'ak_abcdef', keyHash: 'h', expiresAt: null, now },
      })
      .then([keyCreated]);
    key([keyCreated])
      .when({
        type: 'CreateApiKey',
        data: { keyId: 'k1', ownerId: 'u1', name: 'ci', prefix: 'p', keyHash: 'h', expiresAt: null, now },
      })
      .thenRefuses('conflict');
    key([])
      .when({
        type: 'CreateApiKey',
        data: { keyId: 'k1', ownerId: 'u1', name: 'ci', prefix: 'p', keyHash: 'h', expiresAt: now, now },
      })
      .thenRefuses('validation_failed');
  });
  it('revokes for its owner only, once', () => {
    key([keyCreated])
      .when({ type: 'RevokeApiKey', data: { ownerId: 'u1' } })
      .then([{ type: 'ApiKeyRevoked', data: { keyId: 'k1', ownerId: 'u1' } }]);
    key([keyCreated])
      .when({ type: 'RevokeApiKey', data: { ownerId: 'u2' } })
      .thenRefuses('not_found');
    key([])
      .when({ type: 'RevokeApiKey', data: { ownerId: 'u1' } })
      .thenRefuses('not_found');
    key([keyCreated, { type: 'ApiKeyRevoked', data: { keyId: 'k1', ownerId: 'u1' } }])
      .when({ type: 'RevokeApiKey', data: { ownerId: 'u1' } })
      .thenRefuses('conflict');
  });
});
