import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STATUS } from '../../src/http/errors.js';
import { call, register, startServer } from '../support/server.js';

type Json = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  params: string[];
  bodyFields: string[];
  hasBody: boolean;
  documented: Set<number>;
}

/** Strings an attacker tries: operators, injections, traversal, control and odd Unicode, and sizes. */
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '$gt',
    '{"$gt":""}',
    '$where',
    "'; DROP TABLE events; --",
    '" OR 1=1 --',
    '\u0000',
    'a\u0000b',
    '__proto__',
    'constructor',
    'prototype',
    '../../../etc/passwd',
    '%2e%2e%2f',
    '<script>alert(1)</script>',
    '\ud800',
    '\uffff',
    '\u202e',
    ' ',
    '',
    'null',
    'true',
    '0',
    '-1',
    'ak_' + 'A'.repeat(43),
    'inv_' + 'x'.repeat(43),
    'eyJhbGciOiJub25lIn0.e30.',
    '*',
    '/api/v1/*',
    'GET /api/v1/*',
  ),
  fc.nat({ max: 70_000 }).map((n) => 'x'.repeat(n)),
);

/** Any JSON value, hostile strings included, and the field names of the route mixed with dangerous keys. */
const hostileValue = (keys: string[]) =>
  fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      hostileString,
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(
        fc.constantFrom(...keys, '__proto__', 'constructor', '$gt', '$ne', 'toString', 'hasOwnProperty'),
        tie('value'),
        { maxKeys: 5 },
      ),
    ),
  })).value;

/** A request body: a plausible object of the route's fields with hostile values, or something worse. */
const hostileBody = (fields: string[]) =>
  fc.oneof(
    fc
      .record(Object.fromEntries(fields.map((f) => [f, hostileValue(fields)])), { requiredKeys: [] })
      .map((o) => JSON.stringify(o)),
    hostileValue(fields).map((v) => JSON.stringify(v) ?? 'null'),
    fc.nat({ max: 5000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
    fc.nat({ max: 5000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
    fc.string({ maxLength: 200 }),
    fc.constantFrom(
      '{"__proto__":{"isAdmin":true}}',
      '{"constructor":{"prototype":{"x":1}}}',
      '{',
      '{"a":1,"a":2}',
      '\u0000',
      '',
    ),
  );

const hostileSegment = fc
  .oneof(
    fc.uuid(),
    hostileString.filter((s) => s.length < 300),
    fc.constantFrom(
      '..',
      '.',
      '%2e%2e',
      'oauth:github',
      'nostr',
      'lnurl',
      'me',
      '00000000-0000-4000-8000-000000000000',
    ),
  )
  .map((s) => [...Buffer.from(s, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('') || 'x');

/** Path segments as sent: every byte percent-encoded, plus escapes that decode to no valid UTF-8 or to nothing. */
const pathSegment = fc.oneof(
  { weight: 9, arbitrary: hostileSegment },
  { weight: 1, arbitrary: fc.constantFrom('%C3%28', '%ZZ', '%', '%00', '%ED%A0%80', '%2F', '%5C') },
);

describe('hostile input against every JSON route of the OpenAPI document', () => {
  it('answers documented 2xx/4xx in the error shape, never a 500 or a hang, and memory stays bounded', async () => {
    const server = await startServer();
    try {
      const admin = await register(server);
      const user = await register(server);
      const doc = (await call(server, 'GET', '/openapi.json')).body as Json;
      const operations: Operation[] = [];
      for (const [path, methods] of Object.entries(doc.paths as Json)) {
        for (const [method, op] of Object.entries(methods as Json)) {
          const json =
            Object.values(op.responses as Json).some((r: Json) => r.content?.['application/json'] || r.$ref) ||
            op.requestBody;
          // Pages for people (HTML, and `/` redirects) are not JSON routes; /metrics is text.
          if (!json || (op as Json).tags?.includes('Pages') || path === '/metrics') continue;
          operations.push({
            method: method.toUpperCase(),
            path,
            params: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
            bodyFields: Object.keys(op.requestBody?.content?.['application/json']?.schema?.properties ?? {}),
            hasBody: Boolean(op.requestBody),
            documented: new Set(
              Object.keys(op.responses)
                .filter((s) => s !== 'default')
                .map(Number),
            ),
          });
        }
      }
      expect(operations.length).toBeGreaterThan(50);

      const credentials = fc.constantFrom<Record<string, string>>(
        {},
        { authorization: `Bearer ${user.token}` },
        { authorization: `Bearer ${admin.token}` },
        { authorization: 'Bearer garbage' },
        { 'x-api-key': 'ak_garbage' },
        { authorization: 'Nostr e30=' },
        { cookie: `accounts_session=${user.token}` },
      );
      const contentType = fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
      );
      const problems: string[] = [];
      let requests = 0;

      const send = async (
        op: Operation,
        segments: string[],
        body: string | null,
        headers: Record<string, string>,
        type: string,
        query: string,
      ) => {
        const path = op.path.replace(/\{(\w+)\}/g, () => segments.shift() ?? 'x');
        const base = path.startsWith('/auth') || path.startsWith('/admin') ? server.api : server.url;
        const init: RequestInit = {
          method: op.method,
          headers: { ...headers, ...(body !== null ? { 'content-type': type } : {}) },
          signal: AbortSignal.timeout(10_000),
        };
        if (body !== null) init.body = body;
        const response = await fetch(`${base}${path}${query}`, init);
        requests += 1;
        const text = await response.text();
        const where = `${op.method} ${op.path} -> ${response.status} ${text.slice(0, 200)}`;
        if (response.status >= 500) return problems.push(`5xx: ${where}`);
        // A path parameter that holds '/' or nothing lands on another path, which may not take this
        // method: 405 with Allow, as the document's info says (no operation can list it).
        const elsewhere = response.status === 405 && response.headers.get('allow') !== null;
        if (!op.documented.has(response.status) && !elsewhere) problems.push(`undocumented status: ${where}`);
        if (response.status >= 400) {
          let parsed: Json | null = null;
          try {
            parsed = JSON.parse(text) as Json;
          } catch {
            return problems.push(`error not JSON: ${where}`);
          }
          if (typeof parsed?.detail !== 'string' || typeof parsed?.code !== 'string')
            return problems.push(`error shape: ${where}`);
          if (STATUS[parsed.code as keyof typeof STATUS] !== response.status)
            problems.push(`code ${parsed.code} with status ${response.status}: ${where}`);
        }
        return undefined;
      };

      const run = (numRuns: number, seed: number) =>
        fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...operations).chain((op) =>
              fc.tuple(
                fc.constant(op),
                fc.array(pathSegment, { minLength: op.params.length, maxLength: op.params.length }),
                op.hasBody ? hostileBody(op.bodyFields) : fc.constant(null),
                credentials,
                contentType,
                fc.oneof(
                  fc.constant(''),
                  fc
                    .dictionary(
                      hostileString.filter((s) => s.length < 50),
                      hostileString.filter((s) => s.length < 200),
                      { maxKeys: 3 },
                    )
                    .map((q) => `?${new URLSearchParams(q as Record<string, string>).toString()}`),
                ),
              ),
            ),
            async ([op, segments, body, headers, type, query]) => {
              await send(op, [...segments], body, headers, type, query);
            },
          ),
          { numRuns, seed, interruptAfterTimeLimit: 150_000 },
        );

      // Warm up, then see that memory does not keep growing with more of the same.
      await run(400, 42);
      const before = process.memoryUsage().rss;
      await run(1200, 4242);
      const grown = (process.memoryUsage().rss - before) / 1024 / 1024;

      expect(requests).toBeGreaterThan(1000);
      expect([...new Set(problems)].slice(0, 20)).toEqual([]);
      expect(grown, `RSS grew ${grown.toFixed(1)} MB over 1200 hostile requests`).toBeLessThan(150);
      // And the service still works for its users. (Their tokens may have been ended on purpose: the
      // fuzz calls POST /auth/logout and DELETE /auth/sessions/{id} with them too; so sign in again.)
      const again = await call(server, 'POST', '/auth', {
        body: { username: admin.username, password: admin.password },
      });
      expect(again.status).toBe(200);
      expect((await call(server, 'GET', '/auth/me', { token: again.body.access_token })).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
