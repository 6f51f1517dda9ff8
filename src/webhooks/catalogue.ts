import { z } from 'zod';
import { roleOf } from '../../domain/user/decider.js';
import type { DecodedEvent } from '../events/codec.js';
import { CATALOGUE, type WebhookEventType } from './schemas.js';

export { WEBHOOK_EVENT_TYPES, type WebhookEventType, webhookEventSchema, webhookEventSchemas } from './schemas.js';

/**
 * The webhook event catalogue: which domain events an endpoint hears of, under which name, and
 * what each carries. A payload holds ids, types, times and facts that give nothing away: no
 * hash, secret, token, HMAC'd claim, address or user agent is ever copied (each field below is
 * picked by name, nothing is passed through). Personal fields travel only to an endpoint made
 * with include_personal_data, and only while the account's key still opens them.
 */

export interface WebhookEvent {
  /** The domain event's id: a redelivery, or a rebuild of the payload, names the same event. */
  id: string;
  type: WebhookEventType;
  timestamp: string;
  /** The commit position, as a decimal string (it is a 64-bit number). */
  position: string;
  data: Record<string, unknown>;
}

type Data = Record<string, unknown>;

/** Maps a domain event's data to the webhook event's facts, its personal fields aside. */
interface Source {
  /** The stream family it must come from: an event type of another family is not this one. */
  stream: 'user-' | 'acl-' | 'apikey-';
  type: WebhookEventType;
  facts: (d: Data, streamId: string) => Data | null;
  /** Webhook field → the domain field it copies, if the endpoint may see personal data. */
  personal?: Record<string, string>;
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);
const after = (prefix: string) => (streamId: string) => streamId.slice(prefix.length);
const aclId = after('acl-');

const SOURCES: Record<string, Source> = {
  UserRegistered: {
    stream: 'user-',
    type: 'user.created',
    facts: (d) => ({
      role: roleOf(d as { role?: 'superadmin' | 'admin' | 'user'; isAdmin: boolean }),
      has_password: d.passwordHash !== null && d.passwordHash !== undefined,
      created_by: str(d.createdBy),
      invited_by: str((d.invitedBy as { issuerId?: unknown } | undefined)?.issuerId),
    }),
    personal: { username: 'username', email: 'email', display_name: 'displayName' },
  },
  UserDeleted: { stream: 'user-', type: 'user.deleted', facts: () => ({}) },
  UserDisabled: { stream: 'user-', type: 'user.disabled', facts: (d) => ({ by: d.by }) },
  UserEnabled: { stream: 'user-', type: 'user.enabled', facts: (d) => ({ by: d.by }) },
  AdminGranted: { stream: 'user-', type: 'user.role_changed', facts: (d) => ({ role: 'admin', by: d.by }) },
  AdminRevoked: { stream: 'user-', type: 'user.role_changed', facts: (d) => ({ role: 'user', by: d.by }) },
  UsernameChanged: { stream: 'user-', type: 'username.changed', facts: () => ({}), personal: { username: 'username' } },
  SessionStarted: {
    stream: 'user-',
    type: 'session.started',
    facts: (d) => ({ session_id: d.sessionId, method: d.method }),
  },
  SessionEnded: {
    stream: 'user-',
    type: 'session.ended',
    facts: (d) => ({ session_id: d.sessionId, reason: d.reason }),
  },
  PasswordChanged: {
    stream: 'user-',
    type: 'password.changed',
    facts: (d) => ({ reset: d.reset === true, initial: d.initial === true }),
  },
  EmailChanged: {
    stream: 'user-',
    type: 'email.changed',
    // The address may be erased while the claim stays: the claim says whether there is one.
    facts: (d) => ({ has_email: d.emailClaim !== null && d.emailClaim !== undefined }),
    personal: { email: 'email' },
  },
  EmailVerified: { stream: 'user-', type: 'email.verified', facts: () => ({}) },
  TotpEnabled: { stream: 'user-', type: 'two_factor.enabled', facts: () => ({ method: 'totp' }) },
  TotpDisabled: { stream: 'user-', type: 'two_factor.disabled', facts: (d) => ({ method: 'totp', reason: d.reason }) },
  IdentityLinked: {
    stream: 'user-',
    type: 'identity.linked',
    facts: (d) => ({ method: d.method }),
    personal: { identity_id: 'id' },
  },
  IdentityUnlinked: {
    stream: 'user-',
    type: 'identity.unlinked',
    facts: (d) => ({ method: d.method, last_of_method: d.lastOfMethod === true }),
    personal: { identity_id: 'id' },
  },
  AclTokenIssued: {
    stream: 'acl-',
    type: 'acl_token.issued',
    facts: (d, s) => ({ acl_id: aclId(s), token_id: d.tokenId, expires_at: d.expiresAt ?? null }),
  },
  AclTokenRevoked: {
    stream: 'acl-',
    type: 'acl_token.revoked',
    facts: (d, s) => ({ acl_id: aclId(s), token_ids: [d.tokenId], reason: d.reason ?? null }),
  },
  AclDeleted: {
    stream: 'acl-',
    type: 'acl_token.revoked',
    // An ACL without live tokens revokes nothing: no event.
    facts: (d, s) => {
      const ids = Array.isArray(d.revokedTokenIds) ? d.revokedTokenIds : [];
      return ids.length ? { acl_id: aclId(s), token_ids: ids, reason: 'acl_deleted' } : null;
    },
  },
  ApiKeyCreated: {
    stream: 'apikey-',
    type: 'api_key.created',
    facts: (d) => ({ key_id: d.keyId, expires_at: d.expiresAt ?? null }),
    personal: { name: 'name' },
  },
  ApiKeyRevoked: {
    stream: 'apikey-',
    type: 'api_key.revoked',
    facts: (d) => ({ key_id: d.keyId, reason: d.reason ?? null }),
  },
  DeviceTrusted: {
    stream: 'user-',
    type: 'device.trusted',
    facts: (d) => ({ device_id: d.deviceId, expires_at: d.expiresAt }),
    personal: { name: 'name' },
  },
  DeviceForgotten: { stream: 'user-', type: 'device.forgotten', facts: (d) => ({ device_id: d.deviceId, count: 1 }) },
  DevicesForgotten: {
    stream: 'user-',
    type: 'device.forgotten',
    facts: (d) => (typeof d.count === 'number' && d.count > 0 ? { device_id: null, count: d.count } : null),
  },
};

/**
 * The catalogue as data, by webhook event type: what it means, the domain events it comes from
 * (for the document, and for a subscription to pick its events by) and the schema of its `data`.
 */
export const WEBHOOK_CATALOGUE = Object.fromEntries(
  (Object.keys(CATALOGUE) as WebhookEventType[]).map((type) => [
    type,
    {
      description: CATALOGUE[type].description,
      from: Object.entries(SOURCES)
        .filter(([, source]) => source.type === type)
        .map(([domainType]) => domainType),
      data: z.strictObject(CATALOGUE[type].data),
    },
  ]),
) as unknown as Record<WebhookEventType, { description: string; from: string[]; data: z.ZodObject }>;

/** The account a stream's event is about: a user stream names it, ACL and API key events carry their owner. */
const accountOf = (event: DecodedEvent, prefix: Source['stream']): string | null =>
  prefix === 'user-' ? event.streamId.slice(prefix.length) : str(event.data.ownerId);

/**
 * The webhook event a domain event is, or null if the catalogue has none for it. Pure: the same
 * decoded event and options give the same payload, so a redelivery built again says the same.
 */
export function toWebhookEvent(event: DecodedEvent, options: { includePersonalData: boolean }): WebhookEvent | null {
  const source = SOURCES[event.type];
  if (!source || !event.streamId.startsWith(source.stream)) return null;
  const user = accountOf(event, source.stream);
  const facts = source.facts(event.data, event.streamId);
  if (!user || !facts) return null;
  const data: Data = { user_id: user, ...facts };
  if (options.includePersonalData)
    for (const [field, from] of Object.entries(source.personal ?? {}))
      data[field] = event.erased.includes(from) ? null : (str(event.data[from]) ?? null);
  return {
    id: event.id,
    type: source.type,
    timestamp: event.created.toISOString(),
    position: event.position.toString(),
    data,
  };
}
