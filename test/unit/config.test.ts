import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000, host: '0.0.0.0', publicUrl: 'http://localhost:3000', dataDir: './data', allowNewAccounts: true, allowUsrLogin: true,
      bcryptCost: 11, jwtTtlMs: 7 * 86_400_000, rateLimitMax: 60, codeIssueLimit: 5, codeFailureLimit: 10, readYourWritesTimeoutMs: 2000, claimGraceMs: 60_000,
      eventStoreUrl: undefined, mongoUrl: undefined, redisUrl: undefined,
    });
    expect(config.jwtAudience).toBe(config.publicUrl);
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      PORT: '8080', PUBLIC_URL: 'https://id.example.test/', ALLOW_NEW_ACCOUNTS: 'false', BCRYPT_COST: '12', JWT_TTL: '15m',
      EVENTSTORE_URL: 'esdb://localhost:2113?tls=false', MONGO_URL: 'mongodb://localhost:27017/accounts', REDIS_URL: 'redis://localhost:6379',
    });
    expect(config).toMatchObject({ port: 8080, publicUrl: 'https://id.example.test', allowNewAccounts: false, bcryptCost: 12, jwtTtlMs: 900_000 });
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', BCRYPT_COST: '99', JWT_TTL: 'forever', MONGO_URL: 'http://nope', ALLOW_NEW_ACCOUNTS: 'maybe', PUBLIC_URL: 'not a url' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'BCRYPT_COST', 'JWT_TTL', 'MONGO_URL', 'ALLOW_NEW_ACCOUNTS', 'PUBLIC_URL']) expect(message).toContain(name);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', MONGO_URL: '' })).toMatchObject({ port: 3000, mongoUrl: undefined });
  });
});
