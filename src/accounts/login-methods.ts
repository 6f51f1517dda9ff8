/**
 * What the accounts layer reads of each login method (the methods themselves live in
 * `src/login-methods/`, each a folder, and implement this): their names for setup-status, the
 * history's words for them, and, for a method that links keys or outside identities, how those
 * are named, unlinked and refused.
 */
export interface LoginMethodFacts {
  /** As `GET /auth/setup-status` lists it (`oauth:<provider>` once per configured provider; none when turned off). */
  names: readonly string[];
  /** The history's line for a session it started (`method` as the session names it), or undefined when not its own. */
  signedIn(method: string): string | undefined;
  /** For a method that proves a key or an outside identity, linked to the account (Nostr, LNURL-auth, OAuth). */
  identity?: LinkedIdentityKind;
}

/** What a login method that links keys or identities says of them. */
export interface LinkedIdentityKind {
  /** The `method` values it answers for, as a regular expression (e.g. `oauth:[a-z0-9_]{1,32}`). */
  methodPattern: string;
  /** How an error message names those values (e.g. `oauth:<provider>`). */
  methodName: string;
  /** The id as the account stores it (`DELETE /auth/identities/{method}/{id}`), or null when it cannot be one. */
  idOf(method: string, id: string): string | null;
  /** The history's lines for linking and unlinking one. */
  linked(method: string): string;
  unlinked(method: string): string;
  /** The 409 `identity_taken` message when another account has it. */
  taken: string;
  /**
   * The route that removes one, when `DELETE /auth/identities/{method}/{id}` may not (a passkey's
   * removal asks for a proof of the person); such a kind is left out of that route.
   */
  removedBy?: string;
}

/** The kinds `DELETE /auth/identities/{method}/{id}` unlinks (not those with a removal of their own). */
export const unlinkableKinds = (methods: readonly LoginMethodFacts[]): LinkedIdentityKind[] =>
  identityKinds(methods).filter((kind) => kind.removedBy === undefined);

/** The identity kinds of the methods that have one. */
export const identityKinds = (methods: readonly LoginMethodFacts[]): LinkedIdentityKind[] =>
  methods.flatMap((method) => (method.identity ? [method.identity] : []));

const patterns = new Map<string, RegExp>();
/** A kind's method pattern, compiled once. */
const patternOf = (kind: LinkedIdentityKind) => {
  let pattern = patterns.get(kind.methodPattern);
  if (!pattern) patterns.set(kind.methodPattern, (pattern = new RegExp(`^(?:${kind.methodPattern})$`)));
  return pattern;
};

/** The kind whose pattern names `method` (e.g. `oauth:github`), if any. */
export const identityKindOf = (kinds: readonly LinkedIdentityKind[], method: string) =>
  kinds.find((kind) => patternOf(kind).test(method));
