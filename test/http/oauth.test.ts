import { generateKeyPair } from 'jose';
import { generate } from 'otplib';
import { afterEach, describe, expect, it } from 'vitest';
import { captchaStandIn, GOOD_CAPTCHA } from '../support/captcha.js';
import { browse, startCraftedIssuer, startGithubStandIn, startOidcProvider } from '../support/oauth.js';
import { call, register, startPublicServer, startServer, TestClock, type TestServer } from '../support/server.js';

const CLIENT = { clientId: 'accounts-test', clientSecret: 'a-long-client-secret-for-tests' };
const APP_CALLBACK = 'http://app.example.test/signed-in';

const oidcEnv = (issuer: string, name = 'KEYCLOAK') => ({
  [`OAUTH_${name}_ISSUER`]: issuer,
  [`OAUTH_${name}_CLIENT_ID`]: CLIENT.clientId,
  [`OAUTH_${name}_CLIENT_SECRET`]: CLIENT.clientSecret,
});

/** Starts a sign-in at the service and plays the browser until the provider sends it back. */
const signIn = async (server: TestServer, provider: string, options: { token?: string; redirectUri?: string } = {}) => {
  const start = `${server.api}/auth/${provider}${options.redirectUri ? `?redirect_uri=${encodeURIComponent(options.redirectUri)}` : ''}`;
  const back = await browse(
    start,
    options.redirectUri ?? `${server.api}/auth/${provider}/token`,
    options.token ? { authorization: `Bearer ${options.token}` } : {},
  );
  const url = new URL(back.url);
  return {
    url: back.url,
    code: url.searchParams.get('code')!,
    state: url.searchParams.get('state')!,
    status: back.status,
    body: back.body,
    cookie: back.cookie,
  };
};

/** The provider's redirect lands on the service's own token endpoint (the default redirect URI), in a browser signed in with `token`, if given. */
const land = (server: TestServer, url: string, token?: string) =>
  call(server, 'GET', url.slice(server.url.length), token ? { token } : {});

describe('OAuth 2 / OpenID Connect against a real OpenID Provider (oidc-provider)', () => {
  let server: TestServer | undefined;
  let op: Awaited<ReturnType<typeof startOidcProvider>> | undefined;
  afterEach(async () => {
    await server?.close();
    await op?.close();
    server = op = undefined;
  });

  const start = async (env: Record<string, string> = {}, clock?: TestClock) => {
    // The client's redirect URIs must be known to the provider before the service's port is.
    const port = await import('../support/server.js').then((m) => m.freePort());
    op = await startOidcProvider({
      ...CLIENT,
      redirectUris: [`http://127.0.0.1:${port}/api/v1/auth/keycloak/token`, APP_CALLBACK],
    });
    server = await startServer(
      {
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        ...oidcEnv(op.issuer),
        ALLOWED_REDIRECTS: 'http://app.example.test/signed-in',
        ...env,
      },
      { clock },
    );
    return { server, op };
  };

  it('with a CAPTCHA on, a new identity makes an account only when the sign-in passed one at its start', async () => {
    const captcha = await captchaStandIn();
    try {
      const { server, op } = await start(captcha.env);
      op.signIn.person = {
        sub: 'bob-0002',
        email: 'bob@example.test',
        email_verified: true,
        preferred_username: 'bob',
      };
      const refused = await land(server, (await signIn(server, 'keycloak')).url);
      expect([refused.status, refused.body.code]).toEqual([400, 'captcha_required']);
      const wrong = await call(server, 'GET', '/auth/keycloak?captcha_token=guessed');
      expect([wrong.status, wrong.body.code]).toEqual([400, 'captcha_invalid']);
      const back = await browse(
        `${server.api}/auth/keycloak?captcha_token=${GOOD_CAPTCHA}`,
        `${server.api}/auth/keycloak/token`,
        {},
      );
      const made = await land(server, back.url);
      expect(made.status).toBe(201);
      // Signing in to the account it made needs none.
      expect((await land(server, (await signIn(server, 'keycloak')).url)).status).toBe(200);
    } finally {
      await captcha.close();
    }
  });

  it('a new identity makes an account (201), signs into it again (200), and shows in me', async () => {
    const { server, op } = await start();
    op.signIn.person = {
      sub: 'alice-0001',
      email: 'alice@example.test',
      email_verified: true,
      name: 'Alice Liddell',
      preferred_username: 'alice',
    };
    const first = await signIn(server, 'keycloak');
    const made = await land(server, first.url);
    expect(made.status).toBe(201);
    expect(made.body.token_type).toBe('bearer');
    const me = (await call(server, 'GET', '/auth/me', { token: made.body.access_token })).body;
    expect(me).toMatchObject({
      username: 'alice',
      email: 'alice@example.test',
      email_verified: true,
      display_name: 'Alice Liddell',
      has_password: false,
    });
    expect(me.auth_methods).toEqual(expect.arrayContaining(['oauth:keycloak', 'email']));
    expect(me.identities).toEqual([{ method: 'oauth:keycloak', id: 'alice-0001' }]);

    const again = await land(server, (await signIn(server, 'keycloak')).url);
    expect(again.status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { token: again.body.access_token })).body.id).toBe(me.id);
    const sessions = (await call(server, 'GET', '/auth/sessions', { token: again.body.access_token })).body;
    expect(sessions.map((s: { method: string }) => s.method)).toContain('oauth:keycloak');
    expect((await call(server, 'GET', '/auth/setup-status')).body.login_methods).toContain('oauth:keycloak');
  });

  it('another person with a taken username and address gets an account of its own, without the address', async () => {
    const { server, op } = await start();
    await register(server, { username: 'bob', email: 'bob@example.test' });
    op.signIn.person = {
      sub: 'bob-at-idp',
      email: 'bob@example.test',
      email_verified: true,
      preferred_username: 'bob',
    };
    const made = await land(server, (await signIn(server, 'keycloak')).url);
    expect(made.status).toBe(201);
    const me = (await call(server, 'GET', '/auth/me', { token: made.body.access_token })).body;
    expect(me.username).toMatch(/^keycloak_[0-9a-f]{12}$/);
    expect(me.email).toBeNull();
  });

  it('started with a session, links the identity to that password account, which it then signs into', async () => {
    const { server, op } = await start();
    const user = await register(server);
    op.signIn.person = { sub: 'carol-77', email: 'carol@idp.example.test', email_verified: true };
    const linked = await land(server, (await signIn(server, 'keycloak', { token: user.token })).url, user.token);
    expect(linked.status).toBe(200);
    const me = (await call(server, 'GET', '/auth/me', { token: user.token })).body;
    expect(me.auth_methods).toEqual(['password', 'oauth:keycloak']);
    expect(me.email).toBe(user.email);
    const login = await land(server, (await signIn(server, 'keycloak')).url);
    expect((await call(server, 'GET', '/auth/me', { token: login.body.access_token })).body.username).toBe(
      user.username,
    );

    // The same identity cannot be linked to a second account.
    const other = await register(server);
    const taken = await land(server, (await signIn(server, 'keycloak', { token: other.token })).url, other.token);
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('identity_taken');
  });

  it('a link flow finished by another browser is refused: a provider URL sent to a victim links nothing', async () => {
    const { server, op } = await start();
    const mallory = await register(server);
    const victim = await register(server);
    op.signIn.person = { sub: 'victim-sub' };
    // Mallory starts linking and sends the provider's URL to the victim, who signs in there.
    const back = await signIn(server, 'keycloak', { token: mallory.token });
    for (const token of [undefined, victim.token]) {
      const answer = await land(server, back.url, token);
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe('forbidden');
    }
    expect((await call(server, 'GET', '/auth/me', { token: mallory.token })).body.identities).toEqual([]);
    // The victim's identity is still free: signing in with it makes the victim's own account.
    expect((await land(server, (await signIn(server, 'keycloak')).url)).status).toBe(201);
  });

  it('the browser that started a sign-in ends it with a session cookie; a browser sent there by another site gets none', async () => {
    const { server, op } = await start();
    op.signIn.person = { sub: 'kim-8' };
    const own = await signIn(server, 'keycloak');
    expect(own.cookie).toContain('accounts_oauth_state=');
    const landed = await call(server, 'GET', own.url.slice(server.url.length), {
      headers: { cookie: own.cookie, 'sec-fetch-site': 'cross-site' },
    });
    expect(landed.status).toBe(201);
    expect(landed.headers.getSetCookie().some((c) => c.startsWith('accounts_session='))).toBe(true);

    const planted = await signIn(server, 'keycloak');
    const lured = await call(server, 'GET', `${planted.url.slice(server.url.length)}&session=cookie`, {
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(lured.status).toBe(200);
    expect(lured.headers.getSetCookie().some((c) => c.startsWith('accounts_session='))).toBe(false);
  });

  it('an app redirect_uri must be allowed; the app then trades code and state with POST /token', async () => {
    const { server, op } = await start();
    op.signIn.person = { sub: 'dave-1' };
    const refused = await fetch(
      `${server.api}/auth/keycloak?redirect_uri=${encodeURIComponent('https://evil.example.test/steal')}`,
      { redirect: 'manual' },
    );
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { code: string }).code).toBe('validation_failed');
    const back = await signIn(server, 'keycloak', { redirectUri: APP_CALLBACK });
    expect(back.url.startsWith(`${APP_CALLBACK}?`)).toBe(true);
    const token = await call(server, 'POST', '/auth/keycloak/token', { body: { code: back.code, state: back.state } });
    expect(token.status).toBe(201);
    expect((await call(server, 'GET', '/auth/me', { token: token.body.access_token })).body.username).toMatch(
      /^keycloak_/,
    );
  });

  it('refuses a bad, reused or expired state, a state of another provider, and a forged code', async () => {
    const clock = new TestClock();
    const { server, op } = await start(oidcEnv('http://127.0.0.1:9/unused', 'OTHER'), clock);
    op.signIn.person = { sub: 'erin-5' };
    const back = await signIn(server, 'keycloak');
    const bad = await call(server, 'GET', `/auth/keycloak/token?code=${back.code}&state=${'x'.repeat(43)}`);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    expect((await call(server, 'GET', `/auth/keycloak/token?code=${back.code}`)).status).toBe(400);
    const elsewhere = await call(server, 'GET', `/auth/other/token?code=${back.code}&state=${back.state}`);
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.code).toBe('validation_failed');

    expect((await land(server, back.url)).status).toBe(201);
    const reused = await land(server, back.url);
    expect(reused.status).toBe(410);
    expect(reused.body.code).toBe('challenge_used');

    const late = await signIn(server, 'keycloak');
    clock.advance(11 * 60_000);
    const expired = await land(server, late.url);
    expect(expired.status).toBe(410);
    expect(expired.body.code).toBe('challenge_expired');

    const forged = await signIn(server, 'keycloak');
    const wrongCode = await call(server, 'GET', `/auth/keycloak/token?code=not-a-real-code&state=${forged.state}`);
    expect(wrongCode.status).toBe(400);
    expect(wrongCode.body.code).toBe('validation_failed');
  });

  it('with two-factor on, answers totp_required and finishes the same sign-in with the code', async () => {
    const clock = new TestClock();
    const { server, op } = await start({}, clock);
    const user = await register(server);
    op.signIn.person = { sub: 'frank-2fa' };
    await land(server, (await signIn(server, 'keycloak', { token: user.token })).url, user.token);
    const setup = await call(server, 'GET', '/auth/totp', { token: user.token });
    const code = () => generate({ secret: setup.body.secret, epoch: Math.floor(clock.now().getTime() / 1000) });
    expect((await call(server, 'POST', '/auth/totp', { token: user.token, body: { code: await code() } })).status).toBe(
      200,
    );
    clock.advance(30_000);

    const back = await signIn(server, 'keycloak');
    const asked = await land(server, back.url);
    expect(asked.status).toBe(401);
    expect(asked.body.code).toBe('totp_required');
    const done = await call(server, 'GET', `/auth/keycloak/token?state=${back.state}&totp_code=${await code()}`);
    expect(done.status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { token: done.body.access_token })).body.id).toBeDefined();
  });

  it('honours closed registration, and a deleted account frees its identity', async () => {
    const { server, op } = await start({ ALLOW_NEW_ACCOUNTS: 'false' });
    await register(server); // the first account is always allowed
    op.signIn.person = { sub: 'gina-3' };
    const closed = await land(server, (await signIn(server, 'keycloak')).url);
    expect(closed.status).toBe(403);
    expect(closed.body.code).toBe('registration_closed');

    const user = await register(server, {}).catch(() => null);
    expect(user).toBeNull();
  });

  it('in invite mode a new identity needs the invite, given when the sign-in starts', async () => {
    const { server, op } = await start({ REGISTRATION: 'invite' });
    const admin = await register(server);
    const invite = (await call(server, 'POST', '/auth/invites', { token: admin.token, body: {} })).body.token as string;
    op.signIn.person = { sub: 'ivy-6' };
    const refused = await land(server, (await signIn(server, 'keycloak')).url);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('invite_required');
    const start2 = `${server.api}/auth/keycloak?referrer_token=${invite}`;
    const back = await browse(start2, `${server.api}/auth/keycloak/token`);
    expect((await land(server, back.url)).status).toBe(201);
  });

  it('a single-use invite makes one account when twenty sign-ins land at once, and one state landed twenty times makes one', async () => {
    const { server, op } = await start({ REGISTRATION: 'invite' });
    const admin = await register(server);
    const invite = (await call(server, 'POST', '/auth/invites', { token: admin.token, body: { uses: 1 } })).body;
    const backs: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      op.signIn.person = { sub: `racer-${i}` };
      backs.push(
        (
          await browse(
            `${server.api}/auth/keycloak?referrer_token=${invite.token}`,
            `${server.api}/auth/keycloak/token`,
          )
        ).url,
      );
    }
    const answers = await Promise.all(backs.map((url) => land(server, url)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    // One sign-in's provider redirect, landed twenty times at once on a second invite.
    const second = (await call(server, 'POST', '/auth/invites', { token: admin.token, body: { uses: 1 } })).body;
    op.signIn.person = { sub: 'racer-twice' };
    const back = (
      await browse(`${server.api}/auth/keycloak?referrer_token=${second.token}`, `${server.api}/auth/keycloak/token`)
    ).url;
    const again = await Promise.all(Array.from({ length: 20 }, () => land(server, back)));
    expect(again.filter((a) => a.status === 201)).toHaveLength(1);
    expect(again.filter((a) => a.status === 200)).toHaveLength(0);
    expect((await call(server, 'GET', '/admin/users', { token: admin.token })).body.users).toHaveLength(3);
    const invites = (await call(server, 'GET', '/auth/invites', { token: admin.token })).body as {
      uses_left: number;
    }[];
    expect(invites.map((i) => i.uses_left)).toEqual([0, 0]);
  });

  it('deleting the account frees its identity: the next sign-in makes a new account', async () => {
    const { server, op } = await start();
    await register(server); // the first account is the superadmin, which cannot be deleted
    op.signIn.person = { sub: 'hank-4', preferred_username: 'hank' };
    const made = await land(server, (await signIn(server, 'keycloak')).url);
    const first = (await call(server, 'GET', '/auth/me', { token: made.body.access_token })).body;
    expect((await call(server, 'DELETE', '/auth/me', { token: made.body.access_token, body: {} })).status).toBe(200);
    const again = await land(server, (await signIn(server, 'keycloak')).url);
    expect(again.status).toBe(201);
    const second = (await call(server, 'GET', '/auth/me', { token: again.body.access_token })).body;
    expect(second.id).not.toBe(first.id);
    expect(second.username).toBe('hank');
  });

  it('unknown and unconfigured providers are 404; the other /auth routes are not taken for providers', async () => {
    const { server } = await start();
    for (const name of ['google', 'github', 'nosuch']) {
      const answer = await fetch(`${server.api}/auth/${name}`, { redirect: 'manual' });
      expect(answer.status, name).toBe(404);
      expect(((await answer.json()) as { code: string }).code, name).toBe('not_found');
    }
    expect((await call(server, 'GET', '/auth/github/token?code=a&state=b')).status).toBe(404);
    expect((await call(server, 'GET', '/auth/me')).status).toBe(401);
    expect((await call(server, 'GET', '/auth/lnurl')).status).toBe(200);
  });
});

describe('ID tokens are checked against the issuer (a crafted issuer)', () => {
  let server: TestServer | undefined;
  let issuer: Awaited<ReturnType<typeof startCraftedIssuer>> | undefined;
  afterEach(async () => {
    await server?.close();
    await issuer?.close();
    server = issuer = undefined;
  });

  it('refuses a wrong audience, issuer, nonce, signing key, an expired token, and no subject; accepts the right one', async () => {
    issuer = await startCraftedIssuer();
    server = await startPublicServer(oidcEnv(issuer.issuer, 'ACME'));
    const { privateKey: otherKey } = await generateKeyPair('RS256');
    const crafted = issuer;
    const cases: [string, (c: { nonce: string; issuer: string }) => Promise<string>][] = [
      ['audience', (c) => crafted.sign({ sub: 's1', nonce: c.nonce, iss: c.issuer, aud: 'someone-else' })],
      [
        'issuer',
        (c) =>
          crafted.sign({ sub: 's1', nonce: c.nonce, iss: 'https://other-issuer.example.test', aud: CLIENT.clientId }),
      ],
      ['nonce', (c) => crafted.sign({ sub: 's1', nonce: `${c.nonce}x`, iss: c.issuer, aud: CLIENT.clientId })],
      [
        'key',
        (c) => crafted.sign({ sub: 's1', nonce: c.nonce, iss: c.issuer, aud: CLIENT.clientId }, { key: otherKey }),
      ],
      [
        'expiry',
        (c) =>
          crafted.sign(
            { sub: 's1', nonce: c.nonce, iss: c.issuer, aud: CLIENT.clientId },
            { expiresIn: Math.floor(Date.now() / 1000) - 600 },
          ),
      ],
      [
        'azp',
        (c) =>
          crafted.sign({ sub: 's1', nonce: c.nonce, iss: c.issuer, aud: [CLIENT.clientId, 'another'], azp: 'another' }),
      ],
      ['subject', (c) => crafted.sign({ nonce: c.nonce, iss: c.issuer, aud: CLIENT.clientId })],
    ];
    for (const [why, idToken] of cases) {
      crafted.control.idToken = idToken;
      const answer = await land(server, (await signIn(server, 'acme')).url);
      expect(answer.status, why).toBe(401);
      expect(answer.body.code, why).toBe('invalid_credentials');
      expect(answer.body.detail, why).toMatch(/acme did not confirm the sign-in/);
    }
    crafted.control.idToken = (c) => crafted.sign({ sub: 's1', nonce: c.nonce, iss: c.issuer, aud: CLIENT.clientId });
    expect((await land(server, (await signIn(server, 'acme')).url)).status).toBe(201);
  });

  it('an issuer that cannot be reached is 503, and nothing is recorded', async () => {
    issuer = await startCraftedIssuer();
    const gone = issuer.issuer;
    await issuer.close();
    issuer = undefined;
    server = await startPublicServer(oidcEnv(gone, 'ACME'));
    const head = await server.service.eventStore.headPosition();
    const answer = await fetch(`${server.api}/auth/acme`, { redirect: 'manual' });
    expect(answer.status).toBe(503);
    expect(((await answer.json()) as { code: string }).code).toBe('unavailable');
    expect(await server.service.eventStore.headPosition()).toBe(head);
  });
});

describe('GitHub (OAuth app, not OIDC) against a local stand-in of its endpoints', () => {
  let server: TestServer | undefined;
  let github: Awaited<ReturnType<typeof startGithubStandIn>> | undefined;
  afterEach(async () => {
    await server?.close();
    await github?.close();
    server = github = undefined;
  });

  const start = async (env: Record<string, string> = {}) => {
    github = await startGithubStandIn(CLIENT);
    server = await startPublicServer({
      OAUTH_GITHUB_CLIENT_ID: CLIENT.clientId,
      OAUTH_GITHUB_CLIENT_SECRET: CLIENT.clientSecret,
      OAUTH_GITHUB_ISSUER: github.base,
      OAUTH_GITHUB_API_URL: github.base,
      ...env,
    });
    return { server, github };
  };

  it('makes an account from the user API and its verified primary address, signs in again, links, refuses a bad code', async () => {
    const { server, github } = await start();
    github.signIn.user = { id: 583231, login: 'octocat', name: 'The Octocat' };
    github.signIn.emails = [
      { email: 'old@example.test', primary: false, verified: true },
      { email: 'octo@example.test', primary: true, verified: true },
    ];
    const made = await land(server, (await signIn(server, 'github')).url);
    expect(made.status).toBe(201);
    const me = (await call(server, 'GET', '/auth/me', { token: made.body.access_token })).body;
    expect(me).toMatchObject({
      username: 'octocat',
      email: 'octo@example.test',
      email_verified: true,
      display_name: 'The Octocat',
    });
    expect(me.identities).toEqual([{ method: 'oauth:github', id: '583231' }]);
    const again = await land(server, (await signIn(server, 'github')).url);
    expect(again.status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { token: again.body.access_token })).body.id).toBe(me.id);

    // An unverified primary address is not taken.
    const user = await register(server);
    github.signIn.user = { id: 99, login: 'hubot', name: null };
    github.signIn.emails = [{ email: 'hubot@example.test', primary: true, verified: false }];
    expect((await land(server, (await signIn(server, 'github', { token: user.token })).url, user.token)).status).toBe(
      200,
    );
    const linked = (await call(server, 'GET', '/auth/me', { token: user.token })).body;
    expect(linked.auth_methods).toEqual(['password', 'oauth:github']);
    expect(linked.email).toBe(user.email);

    const back = await signIn(server, 'github');
    const bad = await call(server, 'GET', `/auth/github/token?code=wrong&state=${back.state}`);
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('bad_verification_code');
  });

  it('DELETE /auth/identities unlinks an OAuth identity; the last way in is refused (409) until another exists; unknown ones are 404', async () => {
    // With ALLOW_USR_LOGIN on, the user key every account gets is a way in of its own.
    const { server, github } = await start({ ALLOW_USR_LOGIN: 'false' });
    github.signIn.user = { id: 7, login: 'seven', name: null };
    const made = await land(server, (await signIn(server, 'github')).url);
    const token = made.body.access_token as string;
    const last = await call(server, 'DELETE', '/auth/identities/oauth:github/7', { token });
    expect(last.status).toBe(409);
    expect(last.body.code).toBe('conflict');
    expect((await call(server, 'DELETE', '/auth/identities/oauth:github/8', { token })).status).toBe(404);
    expect((await call(server, 'DELETE', '/auth/identities/password/7', { token })).status).toBe(400);

    expect(
      (
        await call(server, 'POST', '/auth/me/set-initial-password', {
          token,
          body: { password: 'A-sturdy-password-7' },
        })
      ).status,
    ).toBe(200);
    const unlinked = await call(server, 'DELETE', '/auth/identities/oauth:github/7', { token });
    expect(unlinked.status).toBe(200);
    expect(unlinked.body.auth_methods).toEqual(['password']);
    expect(unlinked.body.identities).toEqual([]);
    const history = (await call(server, 'GET', '/auth/me/history', { token })).body as { summary: string }[];
    expect(history.map((entry) => entry.summary)).toEqual(
      expect.arrayContaining([
        'github account unlinked (OAuth)',
        'Signed in with github (OAuth)',
        'github account linked (OAuth)',
      ]),
    );
    // The identity is free again: signing in with it makes a new account.
    const fresh = await land(server, (await signIn(server, 'github')).url);
    expect(fresh.status).toBe(201);
    expect((await call(server, 'GET', '/auth/me', { token: fresh.body.access_token })).body.id).not.toBe(
      unlinked.body.id,
    );
  });
});
