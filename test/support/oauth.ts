import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import Provider from 'oidc-provider';

export interface Person {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
}

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/**
 * A real OpenID Provider (the `oidc-provider` package) on 127.0.0.1. Its login and consent
 * interaction is answered at once for `signIn.person`, as if that person had typed their password.
 */
export async function startOidcProvider(client: { clientId: string; clientSecret: string; redirectUris: string[] }) {
  const signIn: { person: Person } = { person: { sub: 'nobody' } };
  const people = new Map<string, Person>();
  const server = createServer();
  const issuer = await listen(server);
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'op', alg: 'RS256', use: 'sig' }] },
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: client.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    pkce: { required: () => true },
    ttl: { Interaction: 600, Grant: 600, Session: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    async findAccount(_ctx, sub) {
      const person = people.get(sub) ?? { sub };
      return { accountId: sub, claims: async () => ({ ...person }) };
    },
  });
  const callback = provider.callback();
  server.on('request', async (req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith('/interaction/')) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      const person = signIn.person;
      people.set(person.sub, person);
      const grant = new provider.Grant({ accountId: person.sub, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: person.sub }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    } catch (error) {
      res.statusCode = 500;
      res.end(String(error));
    }
  });
  return { issuer, signIn, close: () => close(server) };
}

/**
 * A browser: follows redirects from `url`, keeping each origin's cookies, until it is sent to an
 * address that starts with `stopAt` (answered as that URL) or a page that is not a redirect.
 */
export async function browse(
  url: string,
  stopAt: string,
  headers: Record<string, string> = {},
): Promise<{ url: string; status: number; body: string; cookie: string }> {
  const jar = new Map<string, Map<string, string>>();
  let current = url;
  for (let hop = 0; hop < 20; hop += 1) {
    if (current.startsWith(stopAt)) {
      const kept = jar.get(new URL(current).origin) ?? new Map<string, string>();
      return { url: current, status: 0, body: '', cookie: [...kept].map(([k, v]) => `${k}=${v}`).join('; ') };
    }
    const origin = new URL(current).origin;
    const cookies = jar.get(origin) ?? new Map<string, string>();
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(current, {
      redirect: 'manual',
      headers: { ...(hop === 0 ? headers : {}), ...(cookie ? { cookie } : {}) },
    });
    for (const set of response.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const eq = pair!.indexOf('=');
      cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    jar.set(origin, cookies);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location)
      return { url: current, status: response.status, body: await response.text(), cookie };
    current = new URL(location, current).toString();
  }
  throw new Error('too many redirects');
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => resolve(text));
  });
const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/**
 * A stand-in for GitHub's OAuth app endpoints (`/login/oauth/authorize`, `/login/oauth/access_token`)
 * and its REST API (`/user`, `/user/emails`), checking client, code, redirect URI and PKCE as GitHub does.
 */
export async function startGithubStandIn(client: { clientId: string; clientSecret: string }) {
  const signIn: {
    user: { id: number; login: string; name: string | null };
    emails: Array<{ email: string; primary: boolean; verified: boolean }>;
  } = {
    user: { id: 1, login: 'octocat', name: null },
    emails: [],
  };
  const codes = new Map<
    string,
    { challenge: string; redirectUri: string; user: typeof signIn.user; emails: typeof signIn.emails }
  >();
  const tokens = new Map<string, { user: typeof signIn.user; emails: typeof signIn.emails }>();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url!, 'http://localhost');
    if (url.pathname === '/login/oauth/authorize') {
      const q = url.searchParams;
      if (q.get('client_id') !== client.clientId || q.get('code_challenge_method') !== 'S256')
        return json(res, 400, { error: 'bad request' });
      const code = randomBytes(10).toString('hex');
      codes.set(code, {
        challenge: q.get('code_challenge')!,
        redirectUri: q.get('redirect_uri')!,
        user: signIn.user,
        emails: signIn.emails,
      });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state')!);
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (form.get('client_id') !== client.clientId || form.get('client_secret') !== client.clientSecret)
        return json(res, 200, { error: 'incorrect_client_credentials' });
      if (!grant || grant.redirectUri !== form.get('redirect_uri'))
        return json(res, 200, { error: 'bad_verification_code' });
      if (
        createHash('sha256')
          .update(form.get('code_verifier') ?? '')
          .digest('base64url') !== grant.challenge
      )
        return json(res, 200, { error: 'bad_verification_code' });
      const token = `gho_${randomBytes(12).toString('hex')}`;
      tokens.set(token, { user: grant.user, emails: grant.emails });
      return json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
    }
    const who = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!who) return json(res, 401, { message: 'Bad credentials' });
    if (url.pathname === '/user') return json(res, 200, { ...who.user, avatar_url: null });
    if (url.pathname === '/user/emails') return json(res, 200, who.emails);
    return json(res, 404, { message: 'Not Found' });
  });
  const base = await listen(server);
  return { base, signIn, close: () => close(server) };
}

/**
 * An OIDC issuer under the test's control: discovery, JWKS, an authorize endpoint that sends the
 * code straight back, and a token endpoint whose ID token the test shapes (`idToken`), to show
 * that a wrong issuer, audience, nonce, key or expiry is refused.
 */
export async function startCraftedIssuer() {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const nonces = new Map<string, string>();
  const control: { idToken: (claims: { nonce: string; issuer: string }) => Promise<string> } = {
    idToken: async () => '',
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url!, issuer);
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
      });
    }
    if (url.pathname === '/jwks') return json(res, 200, { keys: [jwk] });
    if (url.pathname === '/authorize') {
      const code = randomBytes(8).toString('hex');
      nonces.set(code, url.searchParams.get('nonce')!);
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state')!);
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (url.pathname === '/token') {
      const form = new URLSearchParams(await readBody(req));
      const nonce = nonces.get(form.get('code') ?? '');
      if (!nonce) return json(res, 400, { error: 'invalid_grant' });
      return json(res, 200, {
        access_token: 'at',
        token_type: 'Bearer',
        id_token: await control.idToken({ nonce, issuer }),
      });
    }
    return json(res, 404, {});
  });
  const issuer = await listen(server);
  /** An ID token signed with this issuer's key (or `key`), with these claims over sensible defaults. */
  const sign = (
    claims: Record<string, unknown>,
    options: { key?: Parameters<SignJWT['sign']>[0]; expiresIn?: string | number } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(options.key ?? privateKey);
  return { issuer, control, sign, close: () => close(server) };
}
