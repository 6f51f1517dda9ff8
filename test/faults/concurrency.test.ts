import Database from 'better-sqlite3';
import { join } from 'node:path';
import { generate } from 'otplib';
import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, type TestServer } from '../support/server.js';

const count = (statuses: number[]) =>
  statuses.reduce<Record<number, number>>((all, s) => ({ ...all, [s]: (all[s] ?? 0) + 1 }), {});

describe('concurrency: one winner where there must be one, clean 409s, nothing half-written', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('fifty racing registrations of one username: one account, forty-nine 409s, every loser free to try again', async () => {
    server = await startServer();
    await register(server);
    const racers = Array.from({ length: 50 }, (_, i) => ({
      username: 'the_one_name',
      password: `Racing-pass-${i}`,
      email: `racer${i}@example.test`,
    }));
    const answers = await Promise.all(racers.map((body) => call(server, 'POST', '/auth/register', { body })));
    expect(count(answers.map((a) => a.status))).toEqual({ 201: 1, 409: 49 });
    for (const loser of answers.filter((a) => a.status === 409)) expect(loser.body.code).toBe('username_taken');
    const winner = racers[answers.findIndex((a) => a.status === 201)]!;
    expect(
      (await call(server, 'POST', '/auth', { body: { username: 'the_one_name', password: winner.password } })).status,
    ).toBe(200);

    // Nothing half-written: one account holds the name, and every loser's address is free again at once.
    const db = new Database(join(server.dataDir, 'accounts.db'), { readonly: true });
    const registered = (
      db.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'UserRegistered'").get() as { n: number }
    ).n;
    db.close();
    expect(registered).toBe(2);
    const loserIndex = answers.findIndex((a) => a.status === 409);
    const again = await call(server, 'POST', '/auth/register', {
      body: { username: 'another_name', password: 'Another-pass-1', email: racers[loserIndex]!.email },
    });
    expect(again.status).toBe(201);
  });

  it('fifty parallel changes to one account (profile, password, ACLs), then fifty more (TOTP, token revocation, renames)', async () => {
    server = await startServer();
    const user = await register(server);
    const token = user.token;

    // Round one: thirty profile changes, five password changes from the same old password, fifteen new ACLs.
    const names = Array.from({ length: 30 }, (_, i) => `Name ${i}`);
    const passwords = Array.from({ length: 5 }, (_, i) => `Raced-password-${i}`);
    const first = await Promise.all([
      ...names.map((display_name) => call(server, 'PUT', '/auth/me', { token, body: { display_name } })),
      ...passwords.map((new_password) =>
        call(server, 'PUT', '/auth/update-password', { token, body: { old_password: user.password, new_password } }),
      ),
      ...Array.from({ length: 15 }, (_, i) =>
        call(server, 'POST', '/auth/acls', {
          token,
          body: { name: `acl${i}`, allowed_endpoints: ['GET /api/v1/auth/me'] },
        }),
      ),
    ]);
    expect(first.every((a) => a.status < 500)).toBe(true);
    expect(count(first.slice(0, 30).map((a) => a.status))).toEqual({ 200: 30 });
    // One password change wins; the others now name a wrong old password.
    const passwordAnswers = first.slice(30, 35);
    expect(count(passwordAnswers.map((a) => a.status))).toEqual({ 200: 1, 401: 4 });
    const newPassword = passwords[passwordAnswers.findIndex((a) => a.status === 200)]!;
    expect(count(first.slice(35).map((a) => a.status))).toEqual({ 201: 15 });

    const me = (await call(server, 'GET', '/auth/me', { token })).body;
    expect(names).toContain(me.display_name);
    expect((await call(server, 'GET', '/auth/acls', { token })).body).toHaveLength(15);
    expect(
      (await call(server, 'POST', '/auth', { body: { username: user.username, password: newPassword } })).status,
    ).toBe(200);
    expect(
      (await call(server, 'POST', '/auth', { body: { username: user.username, password: user.password } })).status,
    ).toBe(401);
    // The last display name event is the one the read model shows.
    const db = new Database(join(server.dataDir, 'accounts.db'), { readonly: true });
    const changes = (
      db.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'DisplayNameChanged'").get() as { n: number }
    ).n;
    db.close();
    expect(changes).toBe(30);

    // Round two: twenty enables of 2FA with one code, twenty revocations of one ACL token, ten renames of one ACL.
    const acl = (await call(server, 'GET', '/auth/acls', { token })).body[0];
    const aclToken = (await call(server, 'POST', `/auth/acls/${acl.id}/tokens`, { token, body: {} })).body;
    const setup = await call(server, 'GET', '/auth/totp', { token });
    const code = await generate({ secret: setup.body.secret, epoch: Math.floor(server.clock.now().getTime() / 1000) });
    const second = await Promise.all([
      ...Array.from({ length: 20 }, () => call(server, 'POST', '/auth/totp', { token, body: { code } })),
      ...Array.from({ length: 20 }, () =>
        call(server, 'DELETE', `/auth/acls/${acl.id}/tokens/${aclToken.id}`, { token }),
      ),
      ...Array.from({ length: 10 }, (_, i) =>
        call(server, 'PUT', `/auth/acls/${acl.id}`, { token, body: { name: `renamed${i}` } }),
      ),
    ]);
    expect(count(second.slice(0, 20).map((a) => a.status))).toEqual({ 200: 1, 409: 19 });
    expect(count(second.slice(20, 40).map((a) => a.status))).toEqual({ 200: 1, 409: 19 });
    for (const loser of [...second.slice(0, 40)].filter((a) => a.status === 409))
      expect(loser.body.code).toBe('conflict');
    expect(count(second.slice(40).map((a) => a.status))).toEqual({ 200: 10 });
    expect((await call(server, 'GET', '/auth/me', { token })).body.totp_enabled).toBe(true);
    expect((await call(server, 'GET', `/auth/verify-token?token=${aclToken.token}`)).body).toEqual({ valid: false });
    const renamed = (await call(server, 'GET', '/auth/acls', { token })).body.find(
      (a: { id: string }) => a.id === acl.id,
    );
    expect(renamed.name).toMatch(/^renamed\d$/);
  });
});
