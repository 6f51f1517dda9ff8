import { createHash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import { DomainError } from '../../../domain/shared/errors.js';
import type { OAuthProviderConfig } from './config.js';

/** Who the provider says signed in: its stable subject, and what it tells of the person. */
export interface ExternalIdentity {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  username: string | null;
}

export interface AuthorizationRequest {
  state: string;
  codeVerifier: string;
  nonce: string;
  redirectUri: string;
}

export interface OAuthProvider {
  readonly name: string;
  /** Where to send the browser: the provider's authorization endpoint with state and PKCE. */
  authorizationUrl(request: AuthorizationRequest): Promise<string>;
  /** Trades the code for the identity: token endpoint, then ID token (OIDC) or user API (GitHub). */
  exchange(code: string, request: AuthorizationRequest): Promise<ExternalIdentity>;
}

const TIMEOUT_MS = 10_000;
/** PKCE S256 (RFC 7636 §4.2). */
export const codeChallengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

const unavailable = (name: string, why: string) =>
  new DomainError('unavailable', `The ${name} sign-in provider cannot be reached (${why}); try again shortly`);
const refused = (name: string, why: string) =>
  new DomainError('invalid_credentials', `${name} did not confirm the sign-in: ${why}`);
const badCode = (name: string, why: string) =>
  new DomainError('validation_failed', `The ${name} authorization code was refused: ${why}`);

/** A JSON request to a provider; network failures and 5xx say "unavailable", never a stack. */
async function call(
  name: string,
  url: string,
  init: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw unavailable(name, (error as Error).name === 'TimeoutError' ? 'timed out' : 'connection failed');
  }
  if (response.status >= 500) throw unavailable(name, `HTTP ${response.status}`);
  const text = await response.text();
  try {
    const body = JSON.parse(text) as unknown;
    return {
      status: response.status,
      body: typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {},
    };
  } catch {
    // Form-encoded answers (GitHub's token endpoint without Accept) are read as such.
    return { status: response.status, body: Object.fromEntries(new URLSearchParams(text)) };
  }
}

const str = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : null);

/** The token endpoint's client authentication: HTTP Basic with form-encoded id and secret (RFC 6749 §2.3.1). */
const basicAuth = (config: OAuthProviderConfig) =>
  `Basic ${Buffer.from(`${encodeURIComponent(config.clientId)}:${encodeURIComponent(config.clientSecret)}`).toString('base64')}`;

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
  token_endpoint_auth_methods_supported?: string[];
}

/** OpenID Connect: discovery, code + PKCE + nonce, ID token checked with jose against the issuer's JWKS. */
export function oidcProvider(config: OAuthProviderConfig): OAuthProvider {
  let discovery: Promise<{ meta: Discovery; jwks: ReturnType<typeof createRemoteJWKSet> }> | null = null;
  const discover = () => {
    discovery ??= (async () => {
      const { status, body } = await call(
        config.name,
        `${config.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`,
        { headers: { accept: 'application/json' } },
      );
      const meta = body as unknown as Discovery;
      if (status !== 200 || !meta.authorization_endpoint || !meta.token_endpoint || !meta.jwks_uri)
        throw unavailable(config.name, 'no usable discovery document');
      // OIDC Discovery §4.3: the document must name the issuer it was fetched for.
      if (meta.issuer !== config.issuer)
        throw unavailable(config.name, `discovery names issuer ${meta.issuer}, not ${config.issuer}`);
      return { meta, jwks: createRemoteJWKSet(new URL(meta.jwks_uri), { timeoutDuration: TIMEOUT_MS }) };
    })();
    // A failed discovery is tried again next time, not remembered.
    discovery.catch(() => (discovery = null));
    return discovery;
  };

  const verifyIdToken = async (idToken: string, request: AuthorizationRequest): Promise<JWTPayload> => {
    const { meta, jwks } = await discover();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, jwks, {
        issuer: meta.issuer,
        audience: config.clientId,
        algorithms: ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'RS384', 'RS512'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTClaimValidationFailed)
        throw refused(config.name, `the ID token's ${error.claim} claim is wrong`);
      if (error instanceof joseErrors.JWTExpired) throw refused(config.name, 'the ID token has expired');
      if (error instanceof joseErrors.JOSEError)
        throw refused(config.name, 'the ID token is not validly signed by the issuer');
      throw error;
    }
    // Several audiences: this client must be the authorized party (OIDC Core §3.1.3.7).
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== config.clientId)
      throw refused(config.name, "the ID token's azp claim is wrong");
    if (payload.nonce !== request.nonce) throw refused(config.name, "the ID token's nonce does not match this sign-in");
    if (!str(payload.sub)) throw refused(config.name, 'the ID token has no subject');
    return payload;
  };

  return {
    name: config.name,
    async authorizationUrl(request) {
      const { meta } = await discover();
      const url = new URL(meta.authorization_endpoint);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: config.clientId,
        redirect_uri: request.redirectUri,
        scope: 'openid email profile',
        state: request.state,
        nonce: request.nonce,
        code_challenge: codeChallengeOf(request.codeVerifier),
        code_challenge_method: 'S256',
      }).toString();
      return url.toString();
    },
    async exchange(code, request) {
      const { meta } = await discover();
      const form = new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: request.redirectUri,
        code_verifier: request.codeVerifier,
      });
      const methods = meta.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
      const headers: Record<string, string> = {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      };
      if (methods.includes('client_secret_basic')) headers.authorization = basicAuth(config);
      else form.set('client_id', config.clientId), form.set('client_secret', config.clientSecret);
      const { status, body } = await call(config.name, meta.token_endpoint, { method: 'POST', headers, body: form });
      if (status !== 200) throw badCode(config.name, str(body.error) ?? `HTTP ${status}`);
      const idToken = str(body.id_token);
      if (!idToken) throw refused(config.name, 'no ID token came back');
      const claims: Record<string, unknown> = { ...(await verifyIdToken(idToken, request)) };
      // Providers that keep email and profile out of the ID token give them at userinfo, for the same subject.
      const accessToken = str(body.access_token);
      if (claims.email === undefined && meta.userinfo_endpoint && accessToken) {
        const info = await call(config.name, meta.userinfo_endpoint, {
          headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        });
        if (info.status === 200 && info.body.sub === claims.sub)
          Object.assign(claims, { ...info.body, sub: claims.sub });
      }
      return {
        subject: claims.sub as string,
        email: str(claims.email),
        emailVerified: claims.email_verified === true || claims.email_verified === 'true',
        name: str(claims.name),
        username: str(claims.preferred_username),
      };
    },
  };
}

/** GitHub's OAuth apps: not OIDC. Token endpoint, then `GET /user` and `GET /user/emails`. */
export function githubProvider(config: OAuthProviderConfig): OAuthProvider {
  const api = async (path: string, token: string) =>
    call(config.name, `${config.apiUrl}${path}`, {
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'accounts-service',
      },
    });
  return {
    name: config.name,
    async authorizationUrl(request) {
      const url = new URL(`${config.issuer.replace(/\/+$/, '')}/login/oauth/authorize`);
      url.search = new URLSearchParams({
        client_id: config.clientId,
        redirect_uri: request.redirectUri,
        scope: 'read:user user:email',
        state: request.state,
        code_challenge: codeChallengeOf(request.codeVerifier),
        code_challenge_method: 'S256',
        allow_signup: 'true',
      }).toString();
      return url.toString();
    },
    async exchange(code, request) {
      const form = new URLSearchParams({
        client_id: config.clientId,
        client_secret: config.clientSecret,
        code,
        redirect_uri: request.redirectUri,
        code_verifier: request.codeVerifier,
      });
      const token = await call(config.name, `${config.issuer.replace(/\/+$/, '')}/login/oauth/access_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form,
      });
      // GitHub answers 200 with {error} for a bad code.
      const accessToken = str(token.body.access_token);
      if (token.status !== 200 || !accessToken)
        throw badCode(config.name, str(token.body.error) ?? `HTTP ${token.status}`);
      const user = await api('/user', accessToken);
      if (user.status !== 200 || (typeof user.body.id !== 'number' && typeof user.body.id !== 'string'))
        throw refused(config.name, 'the user API did not answer');
      const emails = await api('/user/emails', accessToken);
      const list: unknown = emails.status === 200 ? emails.body : [];
      const primary = (Array.isArray(list) ? (list as Array<Record<string, unknown>>) : []).find(
        (e) => e && e.primary === true && e.verified === true,
      );
      return {
        subject: String(user.body.id),
        email: str(primary?.email),
        emailVerified: primary !== undefined,
        name: str(user.body.name),
        username: str(user.body.login),
      };
    },
  };
}

export type OAuthProviders = ReadonlyMap<string, OAuthProvider>;

export const createOAuthProviders = (configs: OAuthProviderConfig[]): OAuthProviders =>
  new Map(
    configs.map((config) => [config.name, config.kind === 'github' ? githubProvider(config) : oidcProvider(config)]),
  );
