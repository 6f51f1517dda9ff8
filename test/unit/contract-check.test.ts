import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RouteEntry } from '../../src/http/auth.js';
import { openApiDocument } from '../../src/http/openapi.js';
import { Contract } from '../support/contract.js';

/** The check every test server runs on its answers must catch what the document does not say. */
const table: RouteEntry[] = [
  {
    method: 'post',
    path: '/api/v1/things/:id',
    policy: 'session',
    readsJson: true,
    doc: {
      summary: 'Change a thing',
      command: true,
      params: z.strictObject({ id: z.string() }),
      body: z.strictObject({ name: z.string() }),
      responses: { 200: { description: 'The thing', schema: z.object({ id: z.string(), name: z.string() }) } },
      errors: [409],
    },
  },
];
const contract = new Contract(
  openApiDocument(table, { title: 't', version: '1' }, [{ url: 'http://localhost:3000' }]) as Record<string, any>,
);
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const answer = (over: Partial<Parameters<Contract['check']>[0]> = {}) =>
  contract.check({
    method: 'POST',
    pattern: '/api/v1/things/:id',
    path: '/api/v1/things/1',
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-event-position': '7' },
    body: json({ id: '1', name: 'a' }),
    ...over,
  });

describe('the answer contract (test/support/contract.ts)', () => {
  it('passes an answer as documented', () => {
    expect(answer()).toEqual([]);
    expect(
      answer({
        status: 409,
        headers: { 'content-type': 'application/json' },
        body: json({ detail: 'x', code: 'conflict' }),
      }),
    ).toEqual([]);
  });

  it('refuses a status the operation does not list', () => {
    expect(answer({ status: 410, body: json({ detail: 'x', code: 'challenge_used' }) })[0]).toMatch(
      /status 410 is not documented/,
    );
  });

  it('refuses a field the schema does not name, and a missing one', () => {
    expect(answer({ body: json({ id: '1', name: 'a', secret: 's' }) })[0]).toMatch(
      /must NOT have additional properties.*secret/,
    );
    expect(answer({ body: json({ id: '1' }) })[0]).toMatch(/must have required property.*name/);
  });

  it('refuses an error body that is not the error shape', () => {
    expect(
      answer({ status: 409, headers: { 'content-type': 'application/json' }, body: json({ error: 'x' }) })[0],
    ).toMatch(/does not match/);
  });

  it('refuses a documented header that is missing, and a named header that is not documented', () => {
    expect(answer({ headers: { 'content-type': 'application/json' } })[0]).toMatch(/X-Event-Position is missing/);
    expect(
      answer({ headers: { 'content-type': 'application/json', 'x-event-position': '7', location: '/x' } })[0],
    ).toMatch(/header Location is not documented/);
  });

  it('refuses an answer of another content type, and a route the document does not have', () => {
    expect(answer({ headers: { 'content-type': 'text/html', 'x-event-position': '7' } })[0]).toMatch(
      /answers text\/html/,
    );
    expect(answer({ method: 'GET' })[0]).toMatch(/not in the document/);
  });

  it('lets a request that reached no route answer only 404, 405 or 400 in the error shape', () => {
    const unrouted = { pattern: undefined, headers: { 'content-type': 'application/json' } };
    expect(answer({ ...unrouted, status: 405, body: json({ detail: 'x', code: 'method_not_allowed' }) })).toEqual([]);
    expect(answer({ ...unrouted, status: 200, body: json({}) })[0]).toMatch(/reached no route/);
    expect(answer({ ...unrouted, status: 404, body: json({ nope: 1 }) })[0]).toMatch(/does not match/);
  });
});
