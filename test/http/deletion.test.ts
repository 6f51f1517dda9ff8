import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { userDecider } from '../../domain/user/decider.js';
import { createEventCodec } from '../../src/events/codec.js';
import { call, newUser, register, startServer, type TestServer } from '../support/server.js';

const rawRows = (server: TestServer) => {
  const db = new Database(join(server.dataDir, 'accounts.db'), { readonly: true });
  try {
    return db.prepare('SELECT stream, type, data, metadata FROM events').all() as {
      stream: string;
      type: string;
      data: string;
      metadata: string;
    }[];
  } finally {
    db.close();
  }
};

describe('account deletion and erasure', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('personal data is never in the event rows in plaintext, even before deletion', async () => {
    server = await startServer();
    const user = await register(server, { display_name: 'Visible Person', email: 'visible.person@example.test' });
    const raw = JSON.stringify(rawRows(server));
    for (const secret of ['Visible Person', 'visible.person@example.test', user.username, user.password]) {
      expect(raw).not.toContain(secret);
    }
    expect(raw).not.toContain('127.0.0.1');
  });

  it('needs the password, then kills every token and frees username and email at once', async () => {
    server = await startServer();
    await register(server); // the first account is the superadmin, which cannot be deleted
    const user = await register(server);
    const second = await call(server, 'POST', '/auth', { body: { username: user.username, password: user.password } });
    expect((await call(server, 'DELETE', '/auth/me', { token: user.token })).body.code).toBe('invalid_credentials');
    expect(
      (await call(server, 'DELETE', '/auth/me', { token: user.token, body: { password: 'Wrong-pass-123' } })).status,
    ).toBe(401);
    const deleted = await call(server, 'DELETE', '/auth/me', { token: user.token, body: { password: user.password } });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ detail: 'Account deleted' });
    expect(deleted.headers.get('x-event-position')).toMatch(/^\d+$/);
    for (const token of [user.token, second.body.access_token]) {
      expect((await call(server, 'GET', '/auth', { token })).body.code).toBe('token_revoked');
    }
    expect(
      (await call(server, 'POST', '/auth', { body: { username: user.username, password: user.password } })).status,
    ).toBe(401);
    const again = await call(server, 'POST', '/auth/register', {
      body: newUser({ username: user.username, email: user.email }),
    });
    expect(again.status).toBe(201);
  });

  it('makes email and display name unreadable in the raw rows and in any replay, while the events stay', async () => {
    server = await startServer();
    await register(server); // the first account is the superadmin, which cannot be deleted
    const user = await register(server, { display_name: 'Erased Person' });
    await call(server, 'PUT', '/auth/me', { token: user.token, body: { display_name: 'Also Erased' } });
    const me = (await call(server, 'GET', '/auth/me', { token: user.token })).body;
    const stream = `user-${me.id}`;
    const before = await server.service.eventStore.readStream(stream);
    await call(server, 'DELETE', '/auth/me', { token: user.token, body: { password: user.password } });

    const after = await server.service.eventStore.readStream(stream);
    expect(after.length).toBe(before.length + 1);
    expect(after.map((e) => e.type)).toContain('UserDeleted');
    // A fresh codec, as after a restart: nothing cached, only the key store.
    const codec = createEventCodec(server.service.keyStore);
    const decoded = await Promise.all(after.map((e) => codec.decode(e)));
    const registered = decoded.find((e) => e.type === 'UserRegistered')!;
    expect(registered.data).toMatchObject({ username: null, email: null, displayName: null });
    expect(registered.erased).toEqual(expect.arrayContaining(['username', 'email', 'displayName']));
    expect(decoded.find((e) => e.type === 'DisplayNameChanged')!.data.displayName).toBeNull();
    const state = decoded.reduce((s, e) => userDecider.evolve(s, e as never), userDecider.initialState());
    expect(state.status).toBe('deleted');
    const raw = JSON.stringify(rawRows(server).filter((r) => r.stream === stream));
    for (const plain of ['Erased Person', 'Also Erased', user.email, user.username]) expect(raw).not.toContain(plain);
    expect(await server.service.keyStore.get(me.id)).toBeNull();
  });

  it('after deletion a restart rebuilds read models without the person', async () => {
    server = await startServer();
    await register(server); // the first account is the superadmin, which cannot be deleted
    const user = await register(server);
    const keep = await register(server);
    await call(server, 'DELETE', '/auth/me', { token: user.token, body: { password: user.password } });
    const dataDir = server.dataDir;
    await server.close();
    server = await startServer({}, { dataDir });
    expect(await server.service.projections.collection('me', 'users').countDocuments()).toBe(2); // the superadmin and the one kept
    expect((await call(server, 'GET', '/auth', { token: keep.token })).status).toBe(200);
    expect(
      (await call(server, 'POST', '/auth', { body: { username: user.username, password: user.password } })).status,
    ).toBe(401);
  });
});
