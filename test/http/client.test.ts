import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountsClient, type Credential } from '../../client/src/index.js';
import { describeApi } from '../../src/http/routes/ops.js';
import { newUser, startServer, type TestServer } from '../support/server.js';

/*
 * The typed client (client/) against a real server: register, log in, read me, make an ACL and a
 * token that works within it, an API key — and its snapshot of the document and its types are
 * those this code generates, so neither can drift from the routes.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const SNAPSHOT_URL = 'https://accounts.example.org';

describe('the typed client (client/)', () => {
  it('drives register, login, me, an ACL token and an API key', async () => {
    let credential: Credential | null = null;
    const client = createAccountsClient({ baseUrl: server.url, credential: () => credential });
    const person = newUser();

    const registered = await client.POST('/api/v1/auth/register', { body: person });
    expect(registered.response.status).toBe(201);
    expect(registered.data?.token_type).toBe('bearer');

    const refused = await client.POST('/api/v1/auth', {
      body: { username: person.username, password: 'Wrong-pass-1' },
    });
    expect(refused.response.status).toBe(401);
    expect(refused.error?.code).toBe('invalid_credentials');

    const login = await client.POST('/api/v1/auth', { body: { username: person.username, password: person.password } });
    expect(login.response.status).toBe(200);
    credential = { token: login.data!.access_token };

    const me = await client.GET('/api/v1/auth/me');
    expect(me.data).toMatchObject({ username: person.username, email: person.email, totp_enabled: false });

    const acl = await client.POST('/api/v1/auth/acls', {
      body: { name: 'reader', allowed_endpoints: ['GET /api/v1/auth/me'] },
    });
    expect(acl.response.status).toBe(201);
    const issued = await client.POST('/api/v1/auth/acls/{acl_id}/tokens', {
      params: { path: { acl_id: acl.data!.id } },
      body: {},
    });
    expect(issued.response.status).toBe(201);
    expect(issued.response.headers.get('x-event-position')).toMatch(/^\d+$/);

    const asToken = createAccountsClient({ baseUrl: server.url, credential: () => ({ token: issued.data!.token }) });
    expect((await asToken.GET('/api/v1/auth/me')).data?.username).toBe(person.username);
    const outside = await asToken.GET('/api/v1/auth/sessions');
    expect(outside.response.status).toBe(403);
    expect(outside.error?.code).toBe('acl_forbidden');

    const key = await client.POST('/api/v1/auth/me/tokens', { body: { name: 'ci' } });
    expect(key.response.status).toBe(201);
    const asKey = createAccountsClient({ baseUrl: server.url, credential: () => ({ apiKey: key.data!.token }) });
    const check = await asKey.POST('/api/v1/auth/check', { body: { method: 'GET', path: '/api/v1/auth/me' } });
    expect(check.data).toMatchObject({ allowed: true, user_id: me.data!.id });
    expect((await client.GET('/api/v1/auth/me/tokens')).data?.map((k) => k.name)).toEqual(['ci']);
  });

  it('carries the document this code serves (run `npm run openapi` after changing a route)', () => {
    const committed = JSON.parse(readFileSync('client/openapi.json', 'utf8'));
    const current = JSON.parse(JSON.stringify(describeApi(server.service.routeTable, SNAPSHOT_URL)));
    expect(committed).toEqual(current);
  });

  it('carries the types openapi-typescript makes of that document', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'client-types-')), 'schema.d.ts');
    execFileSync('node_modules/.bin/openapi-typescript', ['client/openapi.json', '--output', out], { stdio: 'pipe' });
    expect(readFileSync('client/src/schema.d.ts', 'utf8')).toBe(readFileSync(out, 'utf8'));
  });
});
