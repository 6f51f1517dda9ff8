import type { Doc } from '../ports/read-store.js';

/** The API's user object, from a `me` document. */
export const toUserObject = (doc: Doc) => ({
  id: doc._id,
  username: doc.username ?? null,
  email: doc.email ?? null,
  email_verified: doc.email_verified ?? false,
  display_name: doc.display_name ?? null,
  is_admin: doc.is_admin ?? false,
  role: (doc.role ?? (doc.is_admin ? 'admin' : 'user')) as 'superadmin' | 'admin' | 'user',
  first_name: doc.first_name ?? null,
  last_name: doc.last_name ?? null,
  must_reset_password: doc.must_reset_password === true,
  totp_enabled: doc.totp_enabled ?? false,
  has_password: doc.has_password ?? false,
  auth_methods: doc.auth_methods ?? [],
  nostr_pubkeys: doc.nostr_pubkeys ?? [],
  /** Every linked key and identity, as `DELETE /auth/identities/{method}/{id}` names them. */
  identities: (doc.identities ?? []) as Array<{ method: string; id: string }>,
  created_at: doc.created_at,
  updated_at: doc.updated_at,
});

export type UserObject = ReturnType<typeof toUserObject>;

/** What an admin sees of an account: the user object plus its standing. */
export const toAdminUserObject = (doc: Doc) => ({ ...toUserObject(doc), disabled: doc.disabled === true });
