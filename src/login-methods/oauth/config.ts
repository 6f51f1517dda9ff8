/**
 * The OAuth login method's configuration: OAUTH_<NAME>_ISSUER / _CLIENT_ID / _CLIENT_SECRET (and
 * OAUTH_GITHUB_API_URL), read by `loadConfig` beside the service's own variables.
 */
/** One OAuth 2 / OIDC provider: `github` speaks GitHub's own flow, every other one OIDC. */
export interface OAuthProviderConfig {
  name: string;
  kind: 'oidc' | 'github';
  /** The OIDC issuer; for GitHub, the web origin of its authorize and token endpoints. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** GitHub's REST API origin (`OAUTH_GITHUB_API_URL`, for GitHub Enterprise or a stand-in). */
  apiUrl?: string;
}

/** Default issuers; a provider without one here needs OAUTH_<NAME>_ISSUER. */
const KNOWN_ISSUERS: Record<string, string> = { google: 'https://accounts.google.com', github: 'https://github.com' };
/** First path words under /auth that are routes of their own, so never provider names. */
const RESERVED_PROVIDERS = new Set([
  'me',
  'usr',
  'nostr',
  'lnurl',
  'totp',
  'sessions',
  'identities',
  'check',
  'register',
  'logout',
  'token',
]);
const OAUTH_VARIABLE = /^OAUTH_([A-Z0-9_]+?)_(ISSUER|CLIENT_ID|CLIENT_SECRET|API_URL)$/;

/** OAUTH_<NAME>_ISSUER / _CLIENT_ID / _CLIENT_SECRET (and OAUTH_GITHUB_API_URL) → providers. */
export function oauthProviders(input: Record<string, string>): {
  providers: OAuthProviderConfig[];
  problems: string[];
} {
  const byName = new Map<string, Record<string, string>>();
  for (const [key, value] of Object.entries(input)) {
    const match = OAUTH_VARIABLE.exec(key);
    if (!match) continue;
    const name = match[1]!.toLowerCase();
    byName.set(name, { ...byName.get(name), [match[2]!]: value });
  }
  const providers: OAuthProviderConfig[] = [];
  const problems: string[] = [];
  for (const [name, vars] of byName) {
    const prefix = `OAUTH_${name.toUpperCase()}`;
    const issuer = vars.ISSUER ?? KNOWN_ISSUERS[name];
    if (RESERVED_PROVIDERS.has(name))
      problems.push(`${prefix}_*: "${name}" is a route of its own, choose another provider name`);
    else if (!vars.CLIENT_ID || !vars.CLIENT_SECRET)
      problems.push(`${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET: both are needed to enable ${name}`);
    else if (!issuer) problems.push(`${prefix}_ISSUER: needed for ${name} (the OIDC issuer URL)`);
    else if (!/^https?:\/\//.test(issuer)) problems.push(`${prefix}_ISSUER: must be an http(s) URL`);
    else if (vars.API_URL && name !== 'github') problems.push(`${prefix}_API_URL: only github has one`);
    else
      providers.push({
        name,
        kind: name === 'github' ? 'github' : 'oidc',
        issuer,
        clientId: vars.CLIENT_ID,
        clientSecret: vars.CLIENT_SECRET,
        ...(name === 'github' ? { apiUrl: (vars.API_URL ?? 'https://api.github.com').replace(/\/+$/, '') } : {}),
      });
  }
  return { providers, problems };
}
