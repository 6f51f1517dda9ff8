/**
 * Stored events are never rewritten; older shapes are read as today's. Until the identity events
 * became one generic pair, each way in had its own: NostrKeyLinked/Unlinked (`pubkey`, `lastKey`),
 * LnurlKeyLinked/Unlinked (`linkingKey`, `lastKey`) and OAuthIdentityLinked/Unlinked (`provider`,
 * `subject`, `lastOfProvider`). They are read as IdentityLinked/IdentityUnlinked with the method
 * as sessions name it and the same claim, so a rebuild from old streams gives today's documents.
 */

type Data = Record<string, unknown>;

/** A legacy event type: the field that was its id (sealed as personal data), and its method. */
const LEGACY: Record<
  string,
  { idField: string; linked: boolean; method: (data: Data) => string; last: string; hex?: true }
> = {
  NostrKeyLinked: { hex: true, idField: 'pubkey', linked: true, method: () => 'nostr', last: 'lastKey' },
  NostrKeyUnlinked: { hex: true, idField: 'pubkey', linked: false, method: () => 'nostr', last: 'lastKey' },
  LnurlKeyLinked: { hex: true, idField: 'linkingKey', linked: true, method: () => 'lnurl', last: 'lastKey' },
  LnurlKeyUnlinked: { hex: true, idField: 'linkingKey', linked: false, method: () => 'lnurl', last: 'lastKey' },
  OAuthIdentityLinked: { idField: 'subject', linked: true, method: (d) => `oauth:${d.provider}`, last: '' },
  OAuthIdentityUnlinked: {
    idField: 'subject',
    linked: false,
    method: (d) => `oauth:${d.provider}`,
    last: 'lastOfProvider',
  },
};

/** The fields a stored legacy event sealed (the codec opens them before upcasting). */
export const legacyPersonalFields: Record<string, string[]> = Object.fromEntries(
  Object.entries(LEGACY).map(([type, { idField }]) => [type, [idField]]),
);

/**
 * A stored user event as today's vocabulary names it; `renamed` maps an old field name to its new
 * one (for the list of erased fields). Events of today's shapes pass unchanged.
 */
export function upcastUserEvent(
  type: string,
  data: Data,
): { type: string; data: Data; renamed?: Record<string, string> } {
  const legacy = LEGACY[type];
  if (!legacy) return { type, data };
  // Keys were looked up lower-cased; the generic events carry them as the method links them (lower-case).
  const raw = data[legacy.idField] ?? null;
  const id = legacy.hex && typeof raw === 'string' ? raw.toLowerCase() : raw;
  const identity = { method: legacy.method(data), id, claim: data.claim };
  const renamed = { [legacy.idField]: 'id' };
  if (legacy.linked) return { type: 'IdentityLinked', data: identity, renamed };
  return { type: 'IdentityUnlinked', data: { ...identity, lastOfMethod: data[legacy.last] === true }, renamed };
}

/** The stored types read as any of `types`: each type and the legacy types upcast to it (for filters on stored types). */
export const storedTypes = (types: readonly string[]): string[] => [
  ...types,
  ...Object.entries(LEGACY)
    .filter(([, legacy]) => types.includes(legacy.linked ? 'IdentityLinked' : 'IdentityUnlinked'))
    .map(([type]) => type),
];
