import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZodType } from 'zod';
import type { RouteEntry } from '../../src/http/auth.js';
import { call, register, startServer, type TestServer } from '../support/server.js';

type Json = Record<string, any>;
interface Operation {
  path: string;
  method: string;
  op: Json;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');
const key = (method: string, path: string) => `${method} ${path}`;
/** A zod `strictObject` refuses unknown keys: its catch-all is `never`. */
const isStrict = (schema: ZodType) => (schema as unknown as Json)._zod.def.catchall?._zod.def.type === 'never';
/** Path parameters that get past their own validation, so that the body or the query is what is judged. */
const PARAMS: Record<string, string> = { provider: 'github', name: 'me', k1: 'a'.repeat(64), method: 'nostr' };
const fill = (path: string) => path.replace(/:(\w+)/g, (_, name: string) => PARAMS[name] ?? randomUUID());

let server: TestServer;
let document: Json;
let operations: Operation[];
let admin: string;

beforeAll(async () => {
  server = await startServer();
  const answer = await call(server, 'GET', '/openapi.json');
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  document = answer.body;
  operations = Object.entries(document.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ path, method, op: op as Json })),
  );
  // The first account is the admin: it may call every route.
  admin = (await register(server)).token;
});

afterAll(() => server.close());

const entryOf = (route: RouteEntry) => document.paths[openApiPath(route.path)]?.[route.method] as Json | undefined;

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1.0 document, public, and the same on every request', async () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(document.components.securitySchemes).toMatchObject({
      bearer: { type: 'http', scheme: 'bearer' },
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    });
    expect((await call(server, 'GET', '/openapi.json')).body).toEqual(document);
  });

  it('lists every route of the route table, and no route the table does not have', () => {
    const table = server.service.routeTable;
    expect(table.length).toBeGreaterThan(40);
    for (const route of table) expect(entryOf(route), key(route.method, route.path)).toBeDefined();
    const tabled = new Set(table.map((r) => key(r.method, openApiPath(r.path))));
    for (const { method, path } of operations) expect(tabled.has(key(method, path)), key(method, path)).toBe(true);
    expect(operations.length).toBe(table.length);
  });

  it('lists every route the flat router dispatches', () => {
    const routed = server.service.http.flatRouter.list();
    expect(routed.length).toBe(operations.length);
    const documented = new Set(operations.map((o) => key(o.method, o.path)));
    for (const route of routed)
      expect(
        documented.has(key(route.method.toLowerCase(), openApiPath(route.pattern))),
        `${route.method} ${route.pattern}`,
      ).toBe(true);
  });

  it('gives every route its own description, and every operation a summary and a unique operationId', () => {
    for (const route of server.service.routeTable)
      expect(route.doc?.summary, key(route.method, route.path)).toBeTruthy();
    for (const { method, path, op } of operations) {
      expect(op.summary, key(method, path)).toEqual(expect.stringMatching(/\S/));
      expect(op.operationId, key(method, path)).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
    }
    const ids = operations.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('asks for the credentials the policy of the route accepts', () => {
    const expected = {
      public: [],
      user: [{ bearer: [] }, { apiKey: [] }],
      credential: [{ bearer: [] }, { apiKey: [] }],
      session: [{ bearer: [] }],
      admin: [{ bearer: [] }],
    };
    for (const route of server.service.routeTable) {
      const op = entryOf(route)!;
      expect([op['x-policy'], op.security], key(route.method, route.path)).toEqual([
        route.policy,
        expected[route.policy],
      ]);
      expect(op.description).toContain(route.policy === 'public' ? 'Public' : `\`${route.policy}\``);
    }
  });

  it('documents every path parameter, and the shared error shape for the refusals', () => {
    for (const { method, path, op } of operations) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(
        op.parameters?.filter((p: Json) => p.in === 'path').map((p: Json) => p.name) ?? [],
        key(method, path),
      ).toEqual(names);
      expect(op.responses.default).toEqual({ $ref: '#/components/responses/Error500' });
      if (op.parameters?.length || op.requestBody)
        expect(op.responses['400'], key(method, path)).toEqual({ $ref: '#/components/responses/Error400' });
      if (op['x-policy'] !== 'public') expect(op.responses['401'], key(method, path)).toBeDefined();
    }
    expect(document.components.schemas.Error).toMatchObject({
      type: 'object',
      required: ['detail', 'code'],
      properties: { code: { enum: expect.arrayContaining(['validation_failed', 'not_found']) } },
    });
  });

  it('resolves every $ref inside the document', () => {
    const refs: string[] = [];
    const walk = (value: unknown) => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object') {
        for (const [name, inner] of Object.entries(value)) {
          if (name === '$ref') refs.push(inner as string);
          else walk(inner);
        }
      }
    };
    walk(document);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref, ref).toMatch(/^#\//);
      const target = ref
        .slice(2)
        .split('/')
        .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
        .reduce<any>((at, part) => at?.[part], document);
      expect(target, ref).toBeDefined();
    }
  });
});

describe('what the document says beyond the schemas', () => {
  it('names its server, describes every tag it uses, and carries a licence', () => {
    expect(document.servers).toEqual([
      { url: expect.stringMatching(/^https?:\/\/[^/]+$/), description: expect.any(String) },
    ]);
    const described = new Map((document.tags as Json[]).map((t) => [t.name, t.description]));
    for (const { method, path, op } of operations)
      for (const tag of op.tags ?? []) expect(described.get(tag), `${key(method, path)} ${tag}`).toMatch(/\S/);
    expect(document.info.license).toEqual({ name: 'MIT', identifier: 'MIT' });
  });

  it('documents X-Event-Position on every command answer, and the session cookie with ?session=cookie on every token answer', () => {
    const commands = server.service.routeTable.filter((r) => r.doc?.command);
    expect(commands.length).toBeGreaterThan(30);
    for (const route of commands) {
      const op = entryOf(route)!;
      const positioned = Object.entries(op.responses as Json).filter(([, r]) => r.headers?.['X-Event-Position']);
      expect(positioned.length, key(route.method, route.path)).toBeGreaterThan(0);
      for (const [status, answer] of positioned) {
        expect(Number(status), key(route.method, route.path)).toBeLessThan(300);
        expect(answer.headers['X-Event-Position'].required).toBe(true);
      }
    }
    const tokenAnswers = operations.filter(({ op }) =>
      Object.values(op.responses as Json).some(
        (r) => r.content?.['application/json']?.schema?.properties?.access_token,
      ),
    );
    expect(tokenAnswers.length).toBeGreaterThan(10);
    for (const { method, path, op } of tokenAnswers) {
      expect(
        op.parameters.map((p: Json) => p.name),
        key(method, path),
      ).toContain('session');
      for (const answer of Object.values(op.responses as Json).filter(
        (r) => r.content?.['application/json']?.schema?.properties?.access_token,
      ))
        expect(answer.headers?.['Set-Cookie'], key(method, path)).toBeDefined();
    }
    expect(document.components.responses.Error429.headers['Retry-After'].required).toBe(true);
    expect(document.components.responses.Error503.headers['Retry-After'].required).toBe(true);
  });

  it('answers a wrong method with 405 and Allow, and an unknown path with 404', async () => {
    const wrong = await call(server, 'PATCH', '/auth/acls');
    expect([wrong.status, wrong.body.code]).toEqual([405, 'method_not_allowed']);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');
    const head = await fetch(`${server.url}/api/v1/auth/me/set-initial-password`, { method: 'HEAD' });
    expect([head.status, head.headers.get('allow')]).toEqual([405, 'POST, OPTIONS']);
    const unknown = await call(server, 'PATCH', '/api/v1/nothing/here');
    expect([unknown.status, unknown.body.code, unknown.headers.get('allow')]).toEqual([404, 'not_found', null]);
  });
});

describe('the documented schemas are the validating ones', () => {
  it('documents a strict zod body as a closed JSON schema, and a loose one as open', () => {
    const withBody = server.service.routeTable.filter((r) => r.doc?.body);
    expect(withBody.length).toBeGreaterThan(20);
    for (const route of withBody) {
      const schema = entryOf(route)!.requestBody?.content?.['application/json']?.schema;
      expect(schema, key(route.method, route.path)).toBeDefined();
      expect(schema.additionalProperties === false, key(route.method, route.path)).toBe(isStrict(route.doc!.body!));
    }
    for (const route of server.service.routeTable.filter(
      (r) => ['post', 'put', 'patch'].includes(r.method) && !r.doc?.body,
    )) {
      expect(entryOf(route)!.requestBody, key(route.method, route.path)).toBeUndefined();
    }
  });

  it('refuses an unknown field in the body of every route documented with a closed body', async () => {
    const closed = operations.filter(
      (o) => o.op.requestBody?.content['application/json'].schema.additionalProperties === false,
    );
    expect(closed.length).toBeGreaterThan(20);
    for (const { method, path } of closed) {
      const route = server.service.routeTable.find((r) => r.method === method && openApiPath(r.path) === path)!;
      const answer = await call(server, method.toUpperCase(), fill(route.path), {
        body: { zz_unknown_field: 1 },
        token: admin,
      });
      expect([answer.status, answer.body.code], key(method, path)).toEqual([400, 'validation_failed']);
      expect(JSON.stringify(answer.body.issues), key(method, path)).toContain('zz_unknown_field');
    }
  });

  it("lets an unknown field through where the documented body is open (the OAuth callback takes the provider's extras)", async () => {
    const open = operations.filter(
      (o) => o.op.requestBody && o.op.requestBody.content['application/json'].schema.additionalProperties !== false,
    );
    for (const { method, path } of open) {
      const route = server.service.routeTable.find((r) => r.method === method && openApiPath(r.path) === path)!;
      const answer = await call(server, method.toUpperCase(), fill(route.path), {
        body: { zz_unknown_field: 1 },
        token: admin,
      });
      expect(JSON.stringify(answer.body.issues ?? []), key(method, path)).not.toContain('zz_unknown_field');
    }
  });

  it('checks the credential before the input: a bad body without one is 401, not 400, on every route that needs one', async () => {
    const guarded = server.service.routeTable.filter((r) => r.policy !== 'public' && r.doc?.body);
    expect(guarded.length).toBeGreaterThan(20);
    for (const route of guarded) {
      const answer = await call(server, route.method.toUpperCase(), fill(route.path), {
        body: { zz_unknown_field: 1 },
      });
      expect([answer.status, answer.body.code], key(route.method, route.path)).toEqual([401, 'unauthenticated']);
    }
  });

  it('judges the path parameters first: a bad one is the 400, whatever the query and the body hold', async () => {
    const withParams = server.service.routeTable.filter((r) => r.doc?.params && (r.doc.query || r.doc.body));
    expect(withParams.length).toBeGreaterThan(5);
    for (const route of withParams) {
      // Longer than any parameter may be (a passkey's credential id may run to 1,400 characters).
      const path = `${route.path.replace(/:(\w+)/g, 'X'.repeat(2000))}?zz_unknown_field=1`;
      const answer = await call(server, route.method.toUpperCase(), path, {
        body: route.doc!.body ? { zz_unknown_field: 1 } : undefined,
        token: admin,
      });
      expect([answer.status, answer.body.code], key(route.method, route.path)).toEqual([400, 'validation_failed']);
      const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
      for (const issue of answer.body.issues) expect(names, key(route.method, route.path)).toContain(issue.path);
    }
  });

  it('refuses an unknown query parameter on every route whose documented query schema is closed', async () => {
    const closed = server.service.routeTable.filter((r) => r.doc?.query && isStrict(r.doc.query));
    expect(closed.length).toBeGreaterThan(5);
    for (const route of closed) {
      const answer = await call(server, route.method.toUpperCase(), `${fill(route.path)}?zz_unknown_field=1`, {
        token: admin,
      });
      expect([answer.status, answer.body.code], key(route.method, route.path)).toEqual([400, 'validation_failed']);
      expect(JSON.stringify(answer.body.issues), key(route.method, route.path)).toContain('zz_unknown_field');
    }
  });
});
