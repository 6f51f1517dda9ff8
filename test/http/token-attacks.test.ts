import { createHmac, generateKeyPairSync } from 'node:crypto';
import { SignJWT, decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, TestClock, type TestServer } from '../support/server.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The service's signing key is given (JWT_PRIVATE_KEY), so the test can forge with it where an attack needs to. */
const keys = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
};

describe('token attacks', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('refuses alg none, HS256 keyed with the public key, another key, a wrong iss or aud, not-yet-valid and expired tokens', async () => {
    const clock = new TestClock();
    const { privateKey, publicKey, pem } = keys();
    server = await startServer({ JWT_PRIVATE_KEY: pem, JWT_TTL: '15m' }, { clock });
    const user = await register(server);
    const real = decodeJwt(user.token);
    const claims = { sub: real.sub, sid: real.sid, jti: 'forged', iss: real.iss, aud: real.aud };
    const now = Math.floor(clock.now().getTime() / 1000);
    const sign = (payload: Record<string, unknown>, key = privateKey, alg = 'EdDSA') =>
      new SignJWT(payload)
        .setProtectedHeader({ alg, typ: 'JWT' })
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(key);
    // A correctly signed token is accepted, so every refusal below is for the one thing changed.
    expect((await call(server, 'GET', '/auth/me', { token: await sign(claims) })).status).toBe(200);

    const publicDer = publicKey.export({ format: 'der', type: 'spki' });
    const publicPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const hs256 = (secret: Buffer | string) => {
      const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...claims, iat: now, exp: now + 600 })}`;
      return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
    };
    const attacks: [string, string][] = [
      ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, iat: now, exp: now + 600 })}.`],
      ['HS256 with the public key (PEM)', hs256(publicPem)],
      ['HS256 with the public key (DER)', hs256(publicDer)],
      [
        'HS256 with the JWKS x',
        hs256(Buffer.from((await call(server, 'GET', '/.well-known/jwks.json')).body.keys[0].x, 'base64url')),
      ],
      ['another key', await sign(claims, generateKeyPairSync('ed25519').privateKey)],
      ['wrong issuer', await sign({ ...claims, iss: 'https://evil.example.test' })],
      ['wrong audience', await sign({ ...claims, aud: 'someone-else' })],
      [
        'not yet valid',
        await new SignJWT({ ...claims, nbf: now + 3600 })
          .setProtectedHeader({ alg: 'EdDSA' })
          .setIssuedAt(now)
          .setExpirationTime(now + 7200)
          .sign(privateKey),
      ],
      [
        'already expired',
        await new SignJWT(claims)
          .setProtectedHeader({ alg: 'EdDSA' })
          .setIssuedAt(now - 7200)
          .setExpirationTime(now - 3600)
          .sign(privateKey),
      ],
      [
        'no expiry on a session token',
        await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA' }).setIssuedAt(now).sign(privateKey),
      ],
      ['a signature cut off', user.token.slice(0, user.token.lastIndexOf('.') + 1)],
      [
        'the payload swapped',
        `${user.token.split('.')[0]}.${b64({ ...real, sub: '00000000-0000-4000-8000-000000000000' })}.${user.token.split('.')[2]}`,
      ],
    ];
    for (const [name, token] of attacks) {
      const answer = await call(server, 'GET', '/auth/me', { token });
      expect(answer.status, name).toBe(401);
      expect(['unauthenticated', 'token_expired'], name).toContain(answer.body.code);
    }

    // The service's own token, once its time is over.
    clock.advance(16 * 60_000);
    const expired = await call(server, 'GET', '/auth/me', { token: user.token });
    expect(expired.status).toBe(401);
    expect(expired.body.code).toBe('token_expired');
  });

  it('refuses the session token of a deleted account and an ACL token with a forged ACL id, even correctly signed', async () => {
    const { privateKey, pem } = keys();
    server = await startServer({ JWT_PRIVATE_KEY: pem });
    await register(server); // the superadmin, which cannot be deleted
    const user = await register(server);
    const acl = (
      await call(server, 'POST', '/auth/acls', {
        token: user.token,
        body: { name: 'narrow', allowed_endpoints: ['GET /api/v1/auth/me'] },
      })
    ).body;
    const wide = (
      await call(server, 'POST', '/auth/acls', {
        token: user.token,
        body: { name: 'wide', allowed_endpoints: ['* /api/v1/*'] },
      })
    ).body;
    const aclToken = (await call(server, 'POST', `/auth/acls/${acl.id}/tokens`, { token: user.token, body: {} })).body
      .token as string;
    const claims = decodeJwt(aclToken);
    const forged = await new SignJWT({ ...claims, acl: wide.id })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .sign(privateKey);
    expect((await call(server, 'GET', '/auth/me', { token: aclToken })).status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { token: forged })).status).toBe(401);
    expect((await call(server, 'GET', `/auth/verify-token?token=${forged}`)).body).toEqual({ valid: false });

    expect(
      (await call(server, 'DELETE', '/auth/me', { token: user.token, body: { password: user.password } })).status,
    ).toBe(200);
    for (const token of [user.token, aclToken])
      expect((await call(server, 'GET', '/auth/me', { token })).status).toBe(401);
  });

  it('a failed login spends exactly one bcrypt comparison whether or not the user exists', async () => {
    server = await startServer();
    const user = await register(server);
    const hasher = server.service.hasher;
    const verify = hasher.verify.bind(hasher);
    let comparisons = 0;
    hasher.verify = async (password, hash) => {
      comparisons += 1;
      return verify(password, hash);
    };
    for (const username of [user.username, 'nobody_at_all', user.email, 'nobody@example.test']) {
      comparisons = 0;
      const answer = await call(server, 'POST', '/auth', { body: { username, password: 'Wrong-password-1' } });
      expect(answer.status, username).toBe(401);
      expect(answer.body.code, username).toBe('invalid_credentials');
      expect(comparisons, username).toBe(1);
    }
    comparisons = 0;
    expect(
      (await call(server, 'POST', '/auth', { body: { username: user.username, password: user.password } })).status,
    ).toBe(200);
    expect(comparisons).toBe(1);
  });
});
