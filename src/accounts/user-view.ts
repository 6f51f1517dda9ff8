import type { Doc } from '../ports/read-store.js';

export const userRole = (doc: Doc) =>
  (doc.role ?? (doc.is_admin ? 'admin' : 'user')) as 'superadmin' | 'admin' | 'user';

/** A passkey as the API shows it. */
export interface PasskeyView {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  backed_up: boolean;
  transports: string[];
}

export const passkeysOf = (doc: Doc): PasskeyView[] =>
  // Stable: passkeys added in the same millisecond keep the order they were added in.
  Object.values((doc.passkeys ?? {}) as Record<string, PasskeyView>).sort((a, b) =>
    a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0,
  );

const identitiesOf = (doc: Doc) => (doc.identities ?? []) as Array<{ method: string; id: string }>;

/** The API's user object, from a `me` document. */
export const toUserObject = (doc: Doc) => ({
  id: doc._id,
  username: doc.username ?? null,
  email: doc.email ?? null,
  email_verified: doc.email_verified ?? false,
  display_name: doc.display_name ?? null,
  is_admin: doc.is_admin ?? false,
  role: userRole(doc),
  first_name: doc.first_name ?? null,
  last_name: doc.last_name ?? null,
  must_reset_password: doc.must_reset_password === true,
  totp_enabled: doc.totp_enabled ?? false,
  has_password: doc.has_password ?? false,
  auth_methods: doc.auth_methods ?? [],
  /** The contract's older field for Nostr keys, kept for the clients written against it. */
  nostr_pubkeys: identitiesOf(doc)
    .filter((identity) => identity.method === 'nostr')
    .map((identity) => identity.id),
  /** Every linked key and identity, as `DELETE /auth/identities/{method}/{id}` names them. */
  identities: identitiesOf(doc),
  /** Its passkeys, oldest first. */
  passkeys: passkeysOf(doc),
  created_at: doc.created_at,
  updated_at: doc.updated_at,
});

export type UserObject = ReturnType<typeof toUserObject>;

/** What an admin sees of an account: the user object plus its standing. */
export const toAdminUserObject = (doc: Doc) => ({ ...toUserObject(doc), disabled: doc.disabled === true });

const serialised = new WeakMap<Doc, string>();
/**
 * The user object as JSON text. A frozen document (the embedded read store hands out frozen
 * documents and replaces them on every write) is serialised once: `GET /auth` answers the same
 * text until the account changes.
 */
export const userJson = (doc: Doc): string => {
  let text = serialised.get(doc);
  if (text === undefined) {
    text = JSON.stringify(toUserObject(doc));
    if (Object.isFrozen(doc)) serialised.set(doc, text);
  }
  return text;
};
