/**
 * The passkey login method's configuration: the WebAuthn relying party. `PASSKEY_RP_ID` (the
 * domain passkeys are bound to; default: PUBLIC_URL's host) and `PASSKEY_ORIGINS` (the
 * comma-separated origins the browser may answer from; default: PUBLIC_URL's origin). Checked
 * at start: every origin is http(s), its host is the RP ID or under it, and plain http only for
 * localhost (browsers allow WebAuthn nowhere else without TLS).
 */
export interface PasskeyConfig {
  id: string;
  name: string;
  origins: string[];
}

const isLocal = (host: string) => host === 'localhost' || host.endsWith('.localhost') || host === '127.0.0.1';

export function passkeyConfig(
  input: Record<string, string>,
  publicUrl: string,
  serviceName: string,
): { passkeys: PasskeyConfig; problems: string[] } {
  const problems: string[] = [];
  const publicOrigin = URL.canParse(publicUrl) ? new URL(publicUrl) : null;
  const id = (input.PASSKEY_RP_ID ?? publicOrigin?.hostname ?? 'localhost').toLowerCase();
  const origins = (input.PASSKEY_ORIGINS ?? publicOrigin?.origin ?? '')
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  if (!/^[a-z0-9.-]{1,253}$/.test(id) || id.startsWith('.') || id.endsWith('.'))
    problems.push(`PASSKEY_RP_ID: "${id}" is not a domain name`);
  if (origins.length === 0) problems.push('PASSKEY_ORIGINS: at least one origin is needed');
  for (const origin of origins) {
    const url = URL.canParse(origin) ? new URL(origin) : null;
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== origin) {
      problems.push(`PASSKEY_ORIGINS: "${origin}" is not an origin (scheme://host[:port])`);
      continue;
    }
    if (url.hostname !== id && !url.hostname.endsWith(`.${id}`))
      problems.push(`PASSKEY_ORIGINS: "${origin}" is not on PASSKEY_RP_ID "${id}" or under it`);
    if (url.protocol === 'http:' && !isLocal(url.hostname))
      problems.push(`PASSKEY_ORIGINS: "${origin}" needs https (browsers allow passkeys over http on localhost only)`);
  }
  return { passkeys: { id, name: serviceName, origins }, problems };
}
