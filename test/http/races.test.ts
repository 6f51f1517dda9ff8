import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { userDecider } from '../../domain/user/decider.js';
import { userStream } from '../../domain/user/events.js';
import { CommandHandler } from '../../src/commands/handler.js';
import { createEventCodec } from '../../src/events/codec.js';
import { createSqliteEventStore } from '../../src/infra/eventstore/sqlite.js';
import { createSqliteKeyStore } from '../../src/infra/keystore/sqlite.js';
import { openSqliteDatabase } from '../../src/infra/sqlite/database.js';
import { call, newUser, register, startServer, TestClock, type TestServer } from '../support/server.js';

const login = (server: TestServer, username: string, password: string) =>
  call(server, 'POST', '/auth', { body: { username, password } });
const me = async (server: TestServer, token: string) => (await call(server, 'GET', '/auth/me', { token })).body;

describe('concurrent commands and crash windows', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('a rename racing a registration of the same name: exactly one account gets it', async () => {
    server = await startServer();
    for (let round = 0; round < 10; round += 1) {
      const x = await register(server);
      const name = `shared_${round}`;
      const [renamed, registered] = await Promise.all([
        call(server, 'PUT', '/auth/me/username', {
          token: x.token,
          body: { new_username: name, password: x.password },
        }),
        call(server, 'POST', '/auth/register', { body: newUser({ username: name }) }),
      ]);
      expect([renamed.status, registered.status].sort()).toEqual(renamed.status === 200 ? [200, 409] : [201, 409]);
      const owners = (await server.service.projections.collection('me', 'users').find({ username: name })).length;
      expect(owners).toBe(1);
    }
  });

  it('a failed rename never frees a name that a parallel rename of the same account took', async () => {
    server = await startServer();
    const x = await register(server);
    const [good, bad] = await Promise.all([
      call(server, 'PUT', '/auth/me/username', {
        token: x.token,
        body: { new_username: 'carol_x', password: x.password },
      }),
      call(server, 'PUT', '/auth/me/username', {
        token: x.token,
        body: { new_username: 'carol_x', password: 'Wrong-pass-123' },
      }),
    ]);
    expect(good.status).toBe(200);
    expect(bad.status).toBe(401);
    expect((await call(server, 'POST', '/auth/register', { body: newUser({ username: 'carol_x' }) })).status).toBe(409);
    expect((await me(server, x.token)).username).toBe('carol_x');
  });

  it('a name claimed by a rename that failed is blocked for the grace period, then free', async () => {
    const clock = new TestClock();
    server = await startServer({ CLAIM_GRACE: '60s' }, { clock });
    const x = await register(server);
    const failed = await call(server, 'PUT', '/auth/me/username', {
      token: x.token,
      body: { new_username: 'wanted', password: 'Wrong-pass-123' },
    });
    expect(failed.status).toBe(401);
    expect((await call(server, 'POST', '/auth/register', { body: newUser({ username: 'wanted' }) })).status).toBe(409);
    clock.advance(61_000);
    expect((await call(server, 'POST', '/auth/register', { body: newUser({ username: 'wanted' }) })).status).toBe(201);
  });

  it('twenty parallel logins to one account all succeed', async () => {
    server = await startServer();
    const user = await register(server);
    const answers = await Promise.all(Array.from({ length: 20 }, () => login(server, user.username, user.password)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect((await call(server, 'GET', '/auth/sessions', { token: user.token })).body).toHaveLength(21);
  });

  it('fifty parallel profile changes to one account all land, in some order, with nothing lost', async () => {
    server = await startServer();
    const user = await register(server);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call(server, 'PUT', '/auth/me', { token: user.token, body: { display_name: `Name ${i}` } }),
      ),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const history = (await call(server, 'GET', '/auth/me/history?limit=200', { token: user.token })).body;
    expect(history.filter((e: { type: string }) => e.type === 'DisplayNameChanged')).toHaveLength(50);
  });

  it('commands racing an account deletion get 401, never a 500', async () => {
    server = await startServer();
    await register(server); // the first account is the superadmin, which cannot be deleted
    const user = await register(server);
    const tokens = await Promise.all(
      Array.from(
        { length: 5 },
        async () => (await login(server, user.username, user.password)).body.access_token as string,
      ),
    );
    const answers = await Promise.all([
      ...Array.from({ length: 15 }, () => login(server, user.username, user.password)),
      ...tokens.map((token) => call(server, 'PUT', '/auth/me', { token, body: { display_name: 'racing' } })),
      call(server, 'DELETE', '/auth/me', { token: user.token, body: { password: user.password } }),
    ]);
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    for (const a of answers) expect([200, 401, 404]).toContain(a.status);
    expect((await login(server, user.username, user.password)).status).toBe(401);
  });

  it('a crash between the deletion and the key destruction is finished by the erasure reactor at the next start', async () => {
    server = await startServer();
    await register(server); // the first account is the superadmin, which cannot be deleted
    const user = await register(server, { display_name: 'To Be Erased' });
    const userId = (await me(server, user.token)).id as string;
    const dataDir = server.dataDir;
    await server.close();
    // What the dying process managed: the UserDeleted event, and nothing after it.
    const db = openSqliteDatabase(join(dataDir, 'accounts.db'));
    const keyStore = createSqliteKeyStore(db);
    const commands = new CommandHandler({ eventStore: createSqliteEventStore(db), codec: createEventCodec(keyStore) });
    await commands.handle(
      userDecider,
      userStream(userId),
      (state) =>
        userDecider.decide(
          { type: 'DeleteUser', data: { passwordValid: true, secondFactor: { kind: 'none' }, now: new Date() } },
          state,
        ),
      {
        commandId: randomUUID(),
        correlationId: 'crash',
        actor: userId,
        ip: null,
        userAgent: null,
      },
    );
    expect(await keyStore.get(userId)).not.toBeNull();
    db.close();

    server = await startServer({}, { dataDir });
    for (let i = 0; i < 100 && (await server.service.keyStore.get(userId)) !== null; i += 1)
      await new Promise((r) => setTimeout(r, 20));
    expect(await server.service.keyStore.get(userId)).toBeNull();
    expect(
      (await call(server, 'POST', '/auth/register', { body: newUser({ username: user.username, email: user.email }) }))
        .status,
    ).toBe(201);
  });

  it('an abandoned first-account claim does not keep set-up closed after the grace period', async () => {
    const clock = new TestClock();
    server = await startServer({ ALLOW_NEW_ACCOUNTS: 'false', CLAIM_GRACE: '60s' }, { clock });
    const { eventStore, keyStore } = server.service;
    const { createClaims } = await import('../../src/accounts/claims.js');
    const claims = createClaims({
      eventStore,
      commands: new CommandHandler({ eventStore, codec: createEventCodec(keyStore) }),
      hmacKey: await keyStore.getOrCreate('service:claims-hmac'),
      clock: clock.now,
      graceMs: 60_000,
    });
    await claims.claim('setup', 'first-account', randomUUID(), {
      commandId: randomUUID(),
      correlationId: 'crash',
      actor: null,
      ip: null,
      userAgent: null,
    });

    expect((await call(server, 'POST', '/auth/register', { body: newUser() })).body.code).toBe('registration_closed');
    expect((await call(server, 'GET', '/auth/setup-status')).body.setup_done).toBe(false);
    clock.advance(61_000);
    const first = await call(server, 'POST', '/auth/register', { body: newUser() });
    expect(first.status).toBe(201);
    expect((await me(server, first.body.access_token)).is_admin).toBe(true);
    expect((await call(server, 'GET', '/auth/setup-status')).body).toMatchObject({
      setup_done: true,
      registration_open: false,
    });
  });

  it('a username change that only changes the case is kept', async () => {
    server = await startServer();
    const user = await register(server, { username: 'lower_case' });
    const answer = await call(server, 'PUT', '/auth/me/username', {
      token: user.token,
      body: { new_username: 'Lower_Case', password: user.password },
    });
    expect(answer.body.username).toBe('Lower_Case');
    expect((await login(server, 'LOWER_CASE', user.password)).status).toBe(200);
    expect((await call(server, 'POST', '/auth/register', { body: newUser({ username: 'lower_case' }) })).status).toBe(
      409,
    );
  });
});
