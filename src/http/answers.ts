import { z } from 'zod';

/** The answers several routes share, for the document only: no answer is parsed with these. */

/** A passkey of the account. */
const passkey = z.object({
  id: z.string().describe('The credential id (base64url)'),
  name: z.string(),
  created_at: z.iso.datetime(),
  last_used_at: z.iso.datetime().nullable(),
  backed_up: z.boolean().describe('Synced to other devices by its provider (a multi-device passkey)'),
  transports: z.array(z.string()),
});

/** A sign-in's answer: a login session (`?session=cookie` also sets it as a cookie). */
export const sessionAnswer = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_at: z.iso.datetime(),
  usr: z.string().optional().describe('Only when an account was made: its legacy user key, shown this once'),
  device_token: z
    .string()
    .optional()
    .describe('Only when this sign-in remembered the device (`remember_device`): its token, shown this once'),
  device_expires_at: z.iso.datetime().optional().describe('With `device_token`: when the device is forgotten'),
});

/** One event of an account's history, as the admin history and the person's own export show it. */
const historyEntry = z.object({
  type: z.string(),
  at: z.iso.datetime(),
  position: z.string().describe('Its commit position'),
  data: z
    .record(z.string(), z.unknown())
    .describe('The facts the event recorded: a secret or hash as `[secret]`, an erased personal field as `[erased]`'),
  metadata: z.object({
    actor: z.string().nullable().describe('The account that acted (null: the service itself)'),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    correlation_id: z.string().nullable(),
    causation_id: z.string().nullable(),
  }),
});

export const answers = {
  passkey,
  historyEntry,
  detail: z.object({ detail: z.string() }),
  token: sessionAnswer,
  user: z.object({
    id: z.uuid(),
    username: z.string().nullable(),
    email: z.string().nullable(),
    email_verified: z.boolean(),
    display_name: z.string().nullable(),
    is_admin: z.boolean(),
    role: z.enum(['superadmin', 'admin', 'user']),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    must_reset_password: z.boolean().describe('Made by an admin: only the password change is open until it is set'),
    totp_enabled: z.boolean(),
    has_password: z.boolean(),
    auth_methods: z.array(z.string()).describe('password, nostr, lnurl, oauth:<provider>, …'),
    nostr_pubkeys: z.array(z.string()),
    identities: z
      .array(z.object({ method: z.string(), id: z.string() }))
      .describe('As DELETE /auth/identities/{method}/{id} names them (passkeys: DELETE /auth/passkeys/{id})'),
    passkeys: z.array(passkey),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  }),
};
