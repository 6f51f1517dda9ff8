import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      publicUrl: 'http://localhost:3000',
      dataDir: './data',
      registration: 'open',
      invites: 'admins',
      allowUsrLogin: true,
      bcryptCost: 11,
      jwtTtlMs: 7 * 86_400_000,
      rateLimitMax: 60,
      codeIssueLimit: 5,
      codeFailureLimit: 10,
      readYourWritesTimeoutMs: 2000,
      claimGraceMs: 60_000,
      eventStoreUrl: undefined,
      mongoUrl: undefined,
      redisUrl: undefined,
    });
    expect(config.jwtAudience).toBe(config.publicUrl);
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      PORT: '8080',
      PUBLIC_URL: 'https://id.example.test/',
      ALLOW_NEW_ACCOUNTS: 'false',
      BCRYPT_COST: '12',
      JWT_TTL: '15m',
      EVENTSTORE_URL: 'esdb://localhost:2113?tls=false',
      MONGO_URL: 'mongodb://localhost:27017/accounts',
      REDIS_URL: 'redis://localhost:6379',
    });
    expect(config).toMatchObject({
      port: 8080,
      publicUrl: 'https://id.example.test',
      registration: 'closed',
      bcryptCost: 12,
      jwtTtlMs: 900_000,
    });
    // REGISTRATION supersedes its older alias.
    expect(loadConfig({ REGISTRATION: 'invite', ALLOW_NEW_ACCOUNTS: 'false', INVITES: 'users' })).toMatchObject({
      registration: 'invite',
      invites: 'users',
    });
    expect(() => loadConfig({ REGISTRATION: 'maybe' })).toThrow(/REGISTRATION/);
    expect(loadConfig({}).embeddedSync).toBe('full');
    expect(loadConfig({ EMBEDDED_SYNC: 'normal' }).embeddedSync).toBe('normal');
    expect(() => loadConfig({ EMBEDDED_SYNC: 'sometimes' })).toThrow(/EMBEDDED_SYNC/);
  });

  it("opens the embedded file with SQLite's synchronous as EMBEDDED_SYNC says (FULL unless asked)", async () => {
    const { openSqliteDatabase } = await import('../../src/infra/sqlite/database.js');
    const dir = mkdtempSync(join(tmpdir(), 'sync-'));
    for (const [options, level] of [
      [{}, 2],
      [{ synchronous: 'full' as const }, 2],
      [{ synchronous: 'normal' as const }, 1],
    ] as const) {
      const db = openSqliteDatabase(join(dir, `${level}-${JSON.stringify(options).length}.db`), options);
      expect(db.pragma('synchronous', { simple: true })).toBe(level);
      db.close();
    }
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        BCRYPT_COST: '99',
        JWT_TTL: 'forever',
        MONGO_URL: 'http://nope',
        ALLOW_NEW_ACCOUNTS: 'maybe',
        PUBLIC_URL: 'not a url',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'BCRYPT_COST', 'JWT_TTL', 'MONGO_URL', 'ALLOW_NEW_ACCOUNTS', 'PUBLIC_URL'])
      expect(message).toContain(name);
  });

  it('runs one API process unless API_PROCESSES names a number from 1 to 64, or auto for one per core', () => {
    expect(loadConfig({}).apiProcesses).toBe(1);
    expect(loadConfig({ API_PROCESSES: '4' }).apiProcesses).toBe(4);
    expect(loadConfig({ API_PROCESSES: 'auto' }).apiProcesses).toBe(availableParallelism());
    for (const bad of ['0', '65', 'two', '1.5', '-2'])
      expect(() => loadConfig({ API_PROCESSES: bad }), bad).toThrow(/API_PROCESSES: must be auto or a number/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', MONGO_URL: '' })).toMatchObject({ port: 3000, mongoUrl: undefined });
  });

  it('reads OAuth providers from OAUTH_<NAME>_* (google and github know their issuers) and ALLOWED_REDIRECTS', () => {
    const config = loadConfig({
      OAUTH_GOOGLE_CLIENT_ID: 'g',
      OAUTH_GOOGLE_CLIENT_SECRET: 'gs',
      OAUTH_GITHUB_CLIENT_ID: 'h',
      OAUTH_GITHUB_CLIENT_SECRET: 'hs',
      OAUTH_MY_IDP_ISSUER: 'https://idp.example.test/realms/main',
      OAUTH_MY_IDP_CLIENT_ID: 'm',
      OAUTH_MY_IDP_CLIENT_SECRET: 'ms',
      ALLOWED_REDIRECTS: 'https://app.example.test, https://other.example.test/cb',
    });
    expect(config.oauth).toEqual([
      { name: 'google', kind: 'oidc', issuer: 'https://accounts.google.com', clientId: 'g', clientSecret: 'gs' },
      {
        name: 'github',
        kind: 'github',
        issuer: 'https://github.com',
        clientId: 'h',
        clientSecret: 'hs',
        apiUrl: 'https://api.github.com',
      },
      {
        name: 'my_idp',
        kind: 'oidc',
        issuer: 'https://idp.example.test/realms/main',
        clientId: 'm',
        clientSecret: 'ms',
      },
    ]);
    expect(config.allowedRedirects).toEqual(['https://app.example.test', 'https://other.example.test/cb']);
  });

  it('names a half-configured provider, a missing issuer, a reserved name and a bad redirect', () => {
    let error: unknown;
    try {
      loadConfig({
        OAUTH_GOOGLE_CLIENT_ID: 'g',
        OAUTH_KEYCLOAK_CLIENT_ID: 'k',
        OAUTH_KEYCLOAK_CLIENT_SECRET: 'ks',
        OAUTH_ME_ISSUER: 'https://x.test',
        OAUTH_ME_CLIENT_ID: 'a',
        OAUTH_ME_CLIENT_SECRET: 'b',
        ALLOWED_REDIRECTS: 'javascript:alert(1)',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const part of ['OAUTH_GOOGLE_CLIENT_SECRET', 'OAUTH_KEYCLOAK_ISSUER', 'OAUTH_ME_*', 'ALLOWED_REDIRECTS'])
      expect(message).toContain(part);
  });

  it('takes the passkey relying party from PUBLIC_URL, or PASSKEY_RP_ID and PASSKEY_ORIGINS, and refuses origins off it', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://id.example.test/' }).passkeys).toEqual({
      id: 'id.example.test',
      name: 'Accounts',
      origins: ['https://id.example.test'],
    });
    const shared = loadConfig({
      PUBLIC_URL: 'https://id.example.test',
      PASSKEY_RP_ID: 'example.test',
      PASSKEY_ORIGINS: 'https://app.example.test, https://id.example.test',
    });
    expect(shared.passkeys).toMatchObject({
      id: 'example.test',
      origins: ['https://app.example.test', 'https://id.example.test'],
    });
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problems({ PASSKEY_RP_ID: 'example.test', PASSKEY_ORIGINS: 'https://evil.test' })).toContain(
      'is not on PASSKEY_RP_ID',
    );
    expect(problems({ PASSKEY_RP_ID: 'example.test', PASSKEY_ORIGINS: 'http://id.example.test' })).toContain(
      'needs https',
    );
    expect(problems({ PASSKEY_ORIGINS: 'https://id.example.test/path' })).toContain('is not an origin');
    expect(problems({ PASSKEY_RP_ID: 'not a domain' })).toContain('PASSKEY_RP_ID');
    // Plain http is fine on localhost, where browsers allow WebAuthn without TLS.
    expect(problems({ PUBLIC_URL: 'http://localhost:3000' })).toBe('');
  });

  it('points mail links at PUBLIC_URL unless LINK_BASE_URL names an http(s) base (a path is fine, a query or fragment is not)', () => {
    expect(loadConfig({}).linkBaseUrl).toBe('http://localhost:3000');
    expect(loadConfig({ PUBLIC_URL: 'https://id.example.test/' }).linkBaseUrl).toBe('https://id.example.test');
    const config = loadConfig({
      PUBLIC_URL: 'https://id.example.test',
      LINK_BASE_URL: 'https://app.example.test/account/',
    });
    expect([config.publicUrl, config.linkBaseUrl, config.jwtAudience]).toEqual([
      'https://id.example.test',
      'https://app.example.test/account',
      'https://id.example.test',
    ]);
    expect(loadConfig({ LINK_BASE_URL: '' }).linkBaseUrl).toBe('http://localhost:3000');
    for (const bad of [
      'ftp://app.example.test',
      'javascript:alert(1)',
      'not a url',
      '/reset',
      'https://app.example.test/?x=1',
      'https://app.example.test/#top',
    ]) {
      expect(() => loadConfig({ LINK_BASE_URL: bad }), bad).toThrow(/LINK_BASE_URL/);
    }
  });
});
