import { z } from 'zod';
import type { CredentialEndReason } from '../../domain/shared/credentials.js';
import type { SessionEndReason } from '../../domain/user/events.js';

/**
 * What each webhook event carries, as zod schemas of its `data` (closed objects, as delivered),
 * with its description; the JSON Schemas the OpenAPI document's `webhooks` section shows are
 * made from them. catalogue.ts says which domain events each one comes from.
 */

// Runtime lists of the domain's reason unions; `satisfies` and the checks below keep them equal.
const SESSION_END = [
  'logout',
  'revoked',
  'password_changed',
  'password_reset',
  'account_disabled',
  'account_deleted',
  'account_reclaimed',
  'wasnt_me',
] as const satisfies readonly SessionEndReason[];
const CREDENTIAL_END = [
  'password_reset',
  'password_changed',
  'account_reclaimed',
  'session_ended',
  'wasnt_me',
] as const satisfies readonly CredentialEndReason[];
type Missing<All, Listed> = Exclude<All, Listed> extends never ? true : never;
const _sessionEndComplete: Missing<SessionEndReason, (typeof SESSION_END)[number]> = true;
const _credentialEndComplete: Missing<CredentialEndReason, (typeof CREDENTIAL_END)[number]> = true;

const userId = z.string().describe('The account the event is about');
const personal = z
  .string()
  .nullable()
  .optional()
  .describe('Personal: only to endpoints with include_personal_data, and null once the account was erased');
const credentialEnd = z
  .enum([...CREDENTIAL_END, 'acl_deleted'])
  .nullable()
  .describe('Why it ended; null: its owner revoked it');
const at = z.iso.datetime();

export const CATALOGUE = {
  'user.created': {
    description: 'An account was made (sign-up, an admin, an invite, or the first account)',
    data: {
      user_id: userId,
      role: z.enum(['superadmin', 'admin', 'user']),
      has_password: z.boolean(),
      created_by: z.string().nullable().describe('The admin who made it, if one did'),
      invited_by: z.string().nullable().describe('The account whose invite it used, if any'),
      username: personal,
      email: personal,
      display_name: personal,
    },
  },
  'user.deleted': { description: 'The account was deleted; its personal data is erased', data: { user_id: userId } },
  'user.disabled': {
    description: 'An admin disabled the account: it cannot sign in, its sessions ended',
    data: { user_id: userId, by: z.string().describe('The admin') },
  },
  'user.enabled': {
    description: 'An admin enabled the account again',
    data: { user_id: userId, by: z.string().describe('The admin') },
  },
  'user.role_changed': {
    description: 'The account was made an admin, or is one no more',
    data: { user_id: userId, role: z.enum(['admin', 'user']).describe('The new role'), by: z.string() },
  },
  'username.changed': { description: 'The account took a new username', data: { user_id: userId, username: personal } },
  'session.started': {
    description: 'A sign-in started a session',
    data: { user_id: userId, session_id: z.string(), method: z.string().describe('password, passkey, oauth:<p>, …') },
  },
  'session.ended': {
    description: 'A session ended (sign-out, revocation, or a change that ends sessions)',
    data: { user_id: userId, session_id: z.string(), reason: z.enum(SESSION_END) },
  },
  'password.changed': {
    description: 'The password was set, changed, or reset by mail',
    data: {
      user_id: userId,
      reset: z.boolean().describe('Set through a reset link'),
      initial: z.boolean().describe('The account had no password before'),
    },
  },
  'email.changed': {
    description: 'The address changed or was removed',
    data: { user_id: userId, has_email: z.boolean(), email: personal },
  },
  'email.verified': { description: 'The address was proven', data: { user_id: userId } },
  'two_factor.enabled': {
    description: 'A second factor was turned on',
    data: { user_id: userId, method: z.literal('totp') },
  },
  'two_factor.disabled': {
    description: 'The second factor was turned off',
    data: { user_id: userId, method: z.literal('totp'), reason: z.enum(['user', 'recovery', 'reclaimed']) },
  },
  'identity.linked': {
    description: 'A way in was linked (a Nostr or LNURL key, an OAuth identity, a passkey)',
    data: { user_id: userId, method: z.string(), identity_id: personal },
  },
  'identity.unlinked': {
    description: 'A way in was unlinked',
    data: { user_id: userId, method: z.string(), identity_id: personal, last_of_method: z.boolean() },
  },
  'acl_token.issued': {
    description: 'A token of an ACL was issued',
    data: { user_id: userId, acl_id: z.string(), token_id: z.string(), expires_at: at.nullable() },
  },
  'acl_token.revoked': {
    description: 'ACL tokens were revoked: one by itself, or every token of a deleted ACL',
    data: { user_id: userId, acl_id: z.string(), token_ids: z.array(z.string()).min(1), reason: credentialEnd },
  },
  'api_key.created': {
    description: 'An API key was created',
    data: { user_id: userId, key_id: z.string(), expires_at: at.nullable(), name: personal },
  },
  'api_key.revoked': {
    description: 'An API key was revoked',
    data: { user_id: userId, key_id: z.string(), reason: credentialEnd },
  },
  'device.trusted': {
    description: 'A device was remembered: it skips the second factor until it expires',
    data: { user_id: userId, device_id: z.string(), expires_at: at, name: personal },
  },
  'device.forgotten': {
    description: 'A trusted device, or all of them, was forgotten',
    data: {
      user_id: userId,
      device_id: z.string().nullable().describe('null: every trusted device'),
      count: z.number().int().positive(),
    },
  },
} as const satisfies Record<string, { description: string; data: Record<string, z.ZodType> }>;

export type WebhookEventType = keyof typeof CATALOGUE;
export const WEBHOOK_EVENT_TYPES = Object.keys(CATALOGUE) as WebhookEventType[];

/** The zod schema of a webhook event's envelope and data: closed objects, as delivered. */
export const webhookEventSchema = (type: WebhookEventType) =>
  z
    .strictObject({
      id: z.string().describe('The event id: the same on every delivery of the event'),
      type: z.literal(type),
      timestamp: at.describe('When the event happened'),
      position: z
        .string()
        .regex(/^-?\d+$/)
        .describe('Its commit position: later events have greater ones'),
      data: z.strictObject(CATALOGUE[type].data),
    })
    .describe(CATALOGUE[type].description);

/** Each event's JSON Schema (draft 2020-12, as OpenAPI 3.1 `webhooks` uses), by event type. */
export function webhookEventSchemas(): Record<WebhookEventType, Record<string, unknown>> {
  return Object.fromEntries(
    WEBHOOK_EVENT_TYPES.map((type) => {
      const { $schema: _, ...schema } = z.toJSONSchema(webhookEventSchema(type), {
        target: 'draft-2020-12',
        io: 'output',
      }) as Record<string, unknown>;
      return [type, schema];
    }),
  ) as Record<WebhookEventType, Record<string, unknown>>;
}
