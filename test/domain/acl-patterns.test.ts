import { describe, expect, it } from 'vitest';
import { allows, parsePattern, type EndpointPattern } from '../../domain/acl/patterns.js';

const pattern = (source: string): EndpointPattern => {
  const parsed = parsePattern(source);
  if ('error' in parsed) throw new Error(`${source}: ${parsed.error}`);
  return parsed;
};

// [pattern, method, path, allowed]
const CASES: [string, string, string, boolean][] = [
  ['GET /api/v1/wallet', 'GET', '/api/v1/wallet', true],
  ['GET /api/v1/wallet', 'POST', '/api/v1/wallet', false],
  ['GET /api/v1/wallet', 'get', '/api/v1/wallet', true],
  ['get /api/v1/wallet', 'GET', '/api/v1/wallet', true],
  ['GET /api/v1/wallet', 'GET', '/api/v1/wallet/', true],
  ['GET /api/v1/wallet/', 'GET', '/api/v1/wallet', true],
  ['GET /api/v1/wallet', 'GET', '/api/v1/wallet?x=1&y=2', true],
  ['GET /api/v1/wallet', 'GET', '/api/v1/wallet#frag', true],
  ['GET /api/v1/wallet', 'GET', '/api/v1/wallets', false],
  ['GET /api/v1/wallet', 'GET', '/api/v1/wallet/extra', false],
  ['GET /api/v1/wallet', 'GET', '/api/v1', false],
  ['GET /api/v1/wallet', 'GET', '/API/v1/wallet', false],
  ['* /api/v1/wallet', 'DELETE', '/api/v1/wallet', true],
  ['* /api/v1/wallet', 'PATCH', '/api/v1/wallet', true],
  ['* /api/v1/wallet', 'OPTIONS', '/api/v1/wallet', false],
  ['POST /api/v1/payments/*', 'POST', '/api/v1/payments/abc', true],
  ['POST /api/v1/payments/*', 'POST', '/api/v1/payments', false],
  ['POST /api/v1/payments/*', 'POST', '/api/v1/payments/abc/def', false],
  ['POST /api/v1/payments/*/refund', 'POST', '/api/v1/payments/abc/refund', true],
  ['POST /api/v1/payments/*/refund', 'POST', '/api/v1/payments/abc/void', false],
  ['GET /api/v1/users/{id}', 'GET', '/api/v1/users/42', true],
  ['GET /api/v1/users/{id}', 'GET', '/api/v1/users', false],
  ['GET /api/v1/users/{id}/posts/{post}', 'GET', '/api/v1/users/1/posts/2', true],
  ['GET /api/v1/users/{id}/posts/{post}', 'GET', '/api/v1/users/1/posts', false],
  ['GET /api/v1/**', 'GET', '/api/v1/anything/at/all', true],
  ['GET /api/v1/**', 'GET', '/api/v1', true],
  ['GET /api/v1/**', 'GET', '/api/v1/', true],
  ['GET /api/v1/**', 'GET', '/api/v2/x', false],
  ['GET /api/v1/**', 'GET', '/api', false],
  ['GET /**', 'GET', '/', true],
  ['GET /**', 'GET', '/anything', true],
  ['GET /', 'GET', '/', true],
  ['GET /', 'GET', '/x', false],
  ['GET /api/v1/files/**', 'GET', '/api/v1/files/../admin/users', false],
  ['GET /api/v1/*/users', 'GET', '/api/v1/../users', false],
  ['GET /api/v1/**', 'GET', '/api/v1/./x', false],
  ['GET /api/v1/wallet', 'GET', '/api/v1//wallet', false],
  ['GET /api/v1/**', 'GET', '/api//v1/x', false],
  ['GET /api/v1/wallet', 'GET', '/api/v1/%77allet', true],
  ['GET /api/v1/a%20b', 'GET', '/api/v1/a b', true],
  ['GET /api/v1/a%20b', 'GET', '/api/v1/a%20b', true],
  ['GET /api/v1/*', 'GET', '/api/v1/a%2Fb', true],
  ['GET /api/v1/*/c', 'GET', '/api/v1/a%2Fb', false],
  ['GET /api/v1/a/b', 'GET', '/api/v1/a%2Fb', false],
  ['GET /api/v1/*', 'GET', '/api/v1/%2e%2e', false],
  ['GET /api/v1/*', 'GET', '/api/v1/%zz', false],
  ['GET /api/v1/wallet', 'GET', 'api/v1/wallet', false],
  ['GET /api/v1/wallet', 'GET', '', false],
  ['GET /api/v1/auth/*', 'GET', '/api/v1/auth/me\\history#', false],
  ['GET /api/v1/auth/*', 'GET', '/api/v1/auth/me%5Chistory', false],
  ['GET /api/v1/*', 'GET', '/api/v1/a%00b', false],
  ['GET /api/v1/*', 'GET', '/api/v1/a\u0000b', false],
  ['GET /api/v1/*', 'GET', '/api/v1/caf\u00e9', false],
  ['GET /api/v1/*', 'GET', '/api/v1/caf%C3%A9', true],
  ['GET /api/v1/wallet', 'HEAD', '/api/v1/wallet', true],
  ['POST /api/v1/wallet', 'HEAD', '/api/v1/wallet', false],
];

describe('endpoint patterns', () => {
  it.each(CASES)('%s: %s %s → %s', (source, method, path, expected) => {
    expect(allows([pattern(source)], method, path)).toBe(expected);
  });

  it('has at least 40 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(40));

  it('any of several patterns may allow', () => {
    const list = ['GET /api/v1/wallet', 'POST /api/v1/payments/*'].map(pattern);
    expect(allows(list, 'POST', '/api/v1/payments/7')).toBe(true);
    expect(allows(list, 'POST', '/api/v1/wallet')).toBe(false);
    expect(allows([], 'GET', '/')).toBe(false);
  });

  it.each([
    ['', 'must be'],
    ['GET', 'must be'],
    ['/api/v1', 'must be'],
    ['FETCH /api', 'unknown method'],
    ['GET api/v1', 'must be'],
    ['GET /api//v1', 'empty segment'],
    ['GET /api/**/x', 'only at the end'],
    ['GET /api/../x', '. or ..'],
    ['GET /api/wal*', 'cannot match'],
    ['GET /api/{id', 'cannot match'],
    ['GET /api/{1x}', 'cannot match'],
    ['GET /api/%zz', 'percent-encoding'],
    ['GET /api/(?<x>.*)', 'cannot match'],
    [`GET /${'a/'.repeat(40)}`, 'too many segments'],
    [`GET /${'a'.repeat(600)}`, 'too long'],
  ])('refuses the pattern %j (%s)', (source, reason) => {
    const parsed = parsePattern(source);
    expect('error' in parsed && parsed.error).toContain(reason);
  });

  it('normalizes what it keeps', () => {
    expect(pattern('get /api/v1/users/{id}/').source).toBe('GET /api/v1/users/{id}');
    expect(pattern('* /api/**').source).toBe('* /api/**');
  });
});
