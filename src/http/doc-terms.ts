/** The words a route's OpenAPI description may use: its tag, and the response headers it names. */

/** Every tag a route may carry, with what it groups (the document lists them in this order). */
export const TAGS = {
  'Registration and login': 'Creating an account and signing in with a password or the legacy user key; sign-out.',
  Email: 'Verifying an address, password reset by mail, and sign-in with a code sent by mail.',
  'Two-factor': 'TOTP second factor: enrolment, backup codes, and the second step of a sign-in.',
  Passkeys: 'WebAuthn passkeys: registration, sign-in and management.',
  Nostr: 'Sign-in and linking with a Nostr key (NIP-98 signed HTTP requests).',
  'LNURL-auth': 'Sign-in and linking with a Lightning wallet (LNURL-auth, LUD-04).',
  OAuth: 'Sign-in and linking through an OAuth 2.0 / OpenID Connect provider.',
  Identities: 'The ways in linked to an account, and unlinking them.',
  Account: "The signed-in person's own account: profile, password, sessions, devices, history, export, deletion.",
  'ACLs and API keys':
    'Scoped credentials: ACLs of allowed endpoints, their revocable tokens, API keys, and the check other services call.',
  Invitations: 'Invitations for registration by invite only.',
  Webhooks: 'Signed deliveries of account changes to other services (Standard Webhooks, or Security Event Tokens).',
  Admin: "Administration of accounts, their history, and the read models (admins' sessions only).",
  Operations: 'Liveness, readiness, signing keys, metrics and this document.',
  Pages: 'Server-rendered pages for people: sign-in, password links, "this wasn\'t me".',
} as const;
export type Tag = keyof typeof TAGS;

/**
 * The response headers the document names (and the contract check holds every answer to): a
 * header in this list that an answer carries must be documented for its operation and status.
 */
export const HEADERS = {
  'X-Event-Position': {
    description:
      'The commit position of what this command appended (the head when it appended nothing): a read sent with it waits until the read models show it.',
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
  'Set-Cookie': {
    description: 'The session and CSRF cookies (with `?session=cookie`), or the cookie this step needs.',
    schema: { type: 'string' },
  },
  Location: { description: 'Where the browser goes next.', schema: { type: 'string' } },
  'Retry-After': {
    description: 'Seconds to wait before trying again.',
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
  'Content-Disposition': { description: 'An attachment, with its file name.', schema: { type: 'string' } },
} as const;
export type HeaderName = keyof typeof HEADERS;
