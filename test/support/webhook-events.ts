import { randomUUID } from 'node:crypto';
import type { DecodedEvent } from '../../src/events/codec.js';

/**
 * Decoded domain events, one or more for each webhook event of the catalogue, built by hand as a
 * reactor would receive them. Every secret, hash, claim, address and user agent a domain event
 * holds is here, with values the tests look for in the payloads (none may get through).
 */

export const SECRET_VALUES = [
  '$2b$12$passwordhash',
  'JBSWY3DPEHPK3PXP',
  'backup-code-hash',
  'hmac-claim',
  '10.0.0.1',
  'Mozilla/5.0',
  'Firefox/Linux/10.0.0',
  'ak_live_12',
  'api-key-hash',
  'device-token-hash',
] as const;

/** What the personal fields of these events hold (none may reach an endpoint without include_personal_data). */
export const PERSONAL_VALUES = [
  'ada_lovelace',
  'ada@example.org',
  'Ada Lovelace',
  'npub-hex-key',
  'CI deploy',
  'My laptop',
];

export const userId = randomUUID();
export const adminId = randomUUID();
export const aclId = randomUUID();
export const keyId = randomUUID();
const user = `user-${userId}`;
const acl = `acl-${aclId}`;
const apikey = `apikey-${keyId}`;

let position = 100n;
export const decoded = (
  streamId: string,
  type: string,
  data: Record<string, unknown>,
  erased: string[] = [],
): DecodedEvent => ({
  id: randomUUID(),
  type,
  data,
  metadata: { actor: userId, ip: '10.0.0.1', userAgent: 'Mozilla/5.0', $correlationId: 'c', $causationId: 'k' },
  erased,
  streamId,
  revision: 0n,
  position: position++,
  created: new Date('2025-03-01T12:00:00.000Z'),
});

/** The domain events, each with the webhook event type it must become. */
export const catalogueCases = (): { event: DecodedEvent; type: string }[] => [
  {
    type: 'user.created',
    event: decoded(user, 'UserRegistered', {
      userId,
      username: 'ada_lovelace',
      usernameClaim: 'hmac-claim-1',
      email: 'ada@example.org',
      emailClaim: 'hmac-claim-2',
      displayName: 'Ada Lovelace',
      passwordHash: '$2b$12$passwordhash',
      isAdmin: false,
      setupClaim: null,
      role: 'user',
      createdBy: adminId,
      invitedBy: { inviteId: randomUUID(), issuerId: adminId },
    }),
  },
  { type: 'user.deleted', event: decoded(user, 'UserDeleted', { releasedClaims: ['hmac-claim-1'] }) },
  { type: 'user.disabled', event: decoded(user, 'UserDisabled', { by: adminId }) },
  { type: 'user.enabled', event: decoded(user, 'UserEnabled', { by: adminId }) },
  { type: 'user.role_changed', event: decoded(user, 'AdminGranted', { by: adminId }) },
  { type: 'user.role_changed', event: decoded(user, 'AdminRevoked', { by: adminId }) },
  {
    type: 'username.changed',
    event: decoded(user, 'UsernameChanged', {
      username: 'ada_lovelace',
      usernameClaim: 'hmac-claim-3',
      previousUsernameClaim: 'hmac-claim-1',
    }),
  },
  {
    type: 'session.started',
    event: decoded(user, 'SessionStarted', {
      sessionId: randomUUID(),
      method: 'password',
      ip: '10.0.0.1',
      userAgent: 'Mozilla/5.0',
      device: 'Firefox/Linux/10.0.0',
      at: '2025-03-01T12:00:00.000Z',
    }),
  },
  { type: 'session.ended', event: decoded(user, 'SessionEnded', { sessionId: randomUUID(), reason: 'logout' }) },
  {
    type: 'password.changed',
    event: decoded(user, 'PasswordChanged', { passwordHash: '$2b$12$passwordhash', initial: false, reset: true }),
  },
  {
    type: 'email.changed',
    event: decoded(user, 'EmailChanged', {
      email: 'ada@example.org',
      emailClaim: 'hmac-claim-2',
      previousEmailClaim: 'hmac-claim-4',
    }),
  },
  { type: 'email.verified', event: decoded(user, 'EmailVerified', { emailClaim: 'hmac-claim-2' }) },
  {
    type: 'two_factor.enabled',
    event: decoded(user, 'TotpEnabled', { secret: 'JBSWY3DPEHPK3PXP', backupCodeHashes: ['backup-code-hash'] }),
  },
  { type: 'two_factor.disabled', event: decoded(user, 'TotpDisabled', { reason: 'recovery' }) },
  {
    type: 'identity.linked',
    event: decoded(user, 'IdentityLinked', { method: 'nostr', id: 'npub-hex-key', claim: 'hmac-claim-5' }),
  },
  {
    type: 'identity.unlinked',
    event: decoded(user, 'IdentityUnlinked', {
      method: 'nostr',
      id: 'npub-hex-key',
      claim: 'hmac-claim-5',
      lastOfMethod: true,
    }),
  },
  {
    type: 'acl_token.issued',
    event: decoded(acl, 'AclTokenIssued', { tokenId: randomUUID(), ownerId: userId, expiresAt: null }),
  },
  {
    type: 'acl_token.revoked',
    event: decoded(acl, 'AclTokenRevoked', { ownerId: userId, tokenId: randomUUID(), reason: 'password_reset' }),
  },
  {
    type: 'acl_token.revoked',
    event: decoded(acl, 'AclDeleted', { ownerId: userId, revokedTokenIds: [randomUUID(), randomUUID()] }),
  },
  {
    type: 'api_key.created',
    event: decoded(apikey, 'ApiKeyCreated', {
      keyId,
      ownerId: userId,
      name: 'CI deploy',
      prefix: 'ak_live_12',
      keyHash: 'api-key-hash',
      expiresAt: '2026-01-01T00:00:00.000Z',
    }),
  },
  { type: 'api_key.revoked', event: decoded(apikey, 'ApiKeyRevoked', { keyId, ownerId: userId }) },
  {
    type: 'device.trusted',
    event: decoded(user, 'DeviceTrusted', {
      deviceId: randomUUID(),
      tokenHash: 'device-token-hash',
      name: 'My laptop',
      expiresAt: '2025-04-01T12:00:00.000Z',
    }),
  },
  { type: 'device.forgotten', event: decoded(user, 'DeviceForgotten', { deviceId: randomUUID() }) },
  { type: 'device.forgotten', event: decoded(user, 'DevicesForgotten', { count: 2 }) },
];
