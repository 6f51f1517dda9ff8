import { secp256k1 } from '@noble/curves/secp256k1.js';
import { finalizeEvent, generateSecretKey } from 'nostr-tools/pure';
import { afterEach, describe, expect, it } from 'vitest';
import { resetTokenIn, waitForMail, codeIn } from '../support/mail.js';
import {
  call,
  newUser,
  register,
  startPublicServer,
  startServer,
  TestClock,
  type TestServer,
} from '../support/server.js';

const idOf = async (server: TestServer, token: string) =>
  (await call(server, 'GET', '/auth/me', { token })).body.id as string;

describe('registration modes and invitations', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('REGISTRATION=invite: a token is required, works as many times as it says, then is refused', async () => {
    server = await startServer({ REGISTRATION: 'invite' });
    const admin = await register(server); // the first account needs no invite
    expect((await call(server, 'GET', '/auth/setup-status')).body).toMatchObject({
      registration_open: false,
      registration: 'invite',
    });
    const without = await call(server, 'POST', '/auth/register', { body: newUser() });
    expect(without.status).toBe(403);
    expect(without.body.code).toBe('invite_required');

    const invite = await call(server, 'POST', '/auth/invites', { token: admin.token, body: { uses: 2 } });
    expect(invite.status).toBe(201);
    expect(invite.body).toEqual({
      id: expect.any(String),
      token: expect.stringMatching(/^inv_/),
      uses_left: 2,
      expires_at: null,
      role: 'user',
    });
    const first = await call(server, 'POST', '/auth/register', {
      body: newUser({ referrer_token: invite.body.token }),
    });
    expect(first.status).toBe(201);
    // A registration that fails for another reason gives the use back.
    const taken = await call(server, 'POST', '/auth/register', {
      body: newUser({
        username: (await call(server, 'GET', '/auth/me', { token: first.body.access_token })).body.username,
        referrer_token: invite.body.token,
      }),
    });
    expect(taken.body.code).toBe('username_taken');
    expect(
      (await call(server, 'POST', '/auth/register', { body: newUser({ referrer_token: invite.body.token }) })).status,
    ).toBe(201);
    const oneTooMany = await call(server, 'POST', '/auth/register', {
      body: newUser({ referrer_token: invite.body.token }),
    });
    expect(oneTooMany.status).toBe(403);
    expect(oneTooMany.body).toMatchObject({ code: 'invite_required', detail: 'This invite has been used up' });
    expect(
      (await call(server, 'POST', '/auth/register', { body: newUser({ referrer_token: 'inv_not-a-real-token' }) })).body
        .code,
    ).toBe('invite_required');

    const listed = await call(server, 'GET', '/auth/invites', { token: admin.token });
    expect(listed.body).toEqual([expect.objectContaining({ id: invite.body.id, uses_left: 0, revoked: false })]);
    expect(JSON.stringify(listed.body)).not.toContain(invite.body.token);

    // Who invited whom is in the new account's audit trail.
    const invitedId = await idOf(server, first.body.access_token);
    const trail = await call(server, 'GET', `/admin/users/${invitedId}/history`, { token: admin.token });
    expect(trail.body.events[0].data.invitedBy).toEqual({
      inviteId: invite.body.id,
      issuerId: await idOf(server, admin.token),
    });
  });

  it('an invite expires, can be revoked, and only admins may invite with INVITES=admins (users with INVITES=users)', async () => {
    const clock = new TestClock();
    server = await startServer({ REGISTRATION: 'invite' }, { clock });
    const admin = await register(server);
    const invite = await call(server, 'POST', '/auth/invites', {
      token: admin.token,
      body: { expires_at: new Date(clock.now().getTime() + 3_600_000).toISOString(), uses: 5 },
    });
    const revocable = await call(server, 'POST', '/auth/invites', { token: admin.token, body: {} });
    const member = await call(server, 'POST', '/auth/register', {
      body: newUser({ referrer_token: invite.body.token }),
    });
    expect((await call(server, 'POST', '/auth/invites', { token: member.body.access_token, body: {} })).body.code).toBe(
      'admin_only',
    );
    expect(
      (await call(server, 'DELETE', `/auth/invites/${revocable.body.id}`, { token: member.body.access_token })).status,
    ).toBe(404);
    const revoked = await call(server, 'DELETE', `/auth/invites/${revocable.body.id}`, { token: admin.token });
    expect(revoked.body).toMatchObject({ id: revocable.body.id, revoked: true });
    expect(
      (await call(server, 'POST', '/auth/register', { body: newUser({ referrer_token: revocable.body.token }) })).body
        .detail,
    ).toBe('This invite was revoked');
    clock.advance(3_600_000);
    expect(
      (await call(server, 'POST', '/auth/register', { body: newUser({ referrer_token: invite.body.token }) })).body
        .detail,
    ).toBe('This invite has expired');
    expect(
      (
        await call(server, 'POST', '/auth/invites', {
          token: admin.token,
          body: { expires_at: '2020-01-01T00:00:00Z' },
        })
      ).status,
    ).toBe(400);
    expect((await call(server, 'POST', '/auth/invites', { token: admin.token, body: { uses: 0 } })).status).toBe(400);

    await server.close();
    server = await startServer({ REGISTRATION: 'invite', INVITES: 'users' }, { dataDir: server.dataDir, clock });
    const byMember = await call(server, 'POST', '/auth/invites', { token: member.body.access_token, body: {} });
    expect(byMember.status).toBe(201);
    expect(
      (await call(server, 'POST', '/auth/invites', { token: member.body.access_token, body: { role: 'admin' } })).body
        .code,
    ).toBe('forbidden');
    expect(
      (await call(server, 'POST', '/auth/register', { body: newUser({ referrer_token: byMember.body.token }) })).status,
    ).toBe(201);
  });

  it('REGISTRATION=closed, and the ALLOW_NEW_ACCOUNTS alias; in open mode an invite is optional but must be valid when sent', async () => {
    server = await startServer({ REGISTRATION: 'closed' });
    await register(server);
    expect((await call(server, 'POST', '/auth/register', { body: newUser() })).body.code).toBe('registration_closed');
    await server.close();
    server = await startServer({ ALLOW_NEW_ACCOUNTS: 'false' });
    await register(server);
    expect((await call(server, 'GET', '/auth/setup-status')).body.registration).toBe('closed');
    expect((await call(server, 'POST', '/auth/register', { body: newUser() })).body.code).toBe('registration_closed');
    await server.close();
    server = await startServer();
    await register(server);
    expect(
      (await call(server, 'POST', '/auth/register', { body: newUser({ referrer_token: 'inv_' + 'x'.repeat(43) }) }))
        .body.code,
    ).toBe('invite_required');
  });

  it('every way of making an account honours invite mode: Nostr, LNURL and email codes need the invite too', async () => {
    server = await startPublicServer({ REGISTRATION: 'invite' });
    const admin = await register(server);
    const invite = (await call(server, 'POST', '/auth/invites', { token: admin.token, body: { uses: 10 } })).body
      .token as string;

    // Nostr (NIP-98)
    const nostrKey = generateSecretKey();
    const proof = () =>
      JSON.stringify(
        finalizeEvent(
          {
            kind: 27235,
            created_at: Math.floor(server.clock.now().getTime() / 1000),
            tags: [
              ['u', `${server.api}/auth/nostr`],
              ['method', 'POST'],
              ['nonce', Math.random().toString(36)],
            ],
            content: '',
          },
          nostrKey,
        ),
      );
    expect((await call(server, 'POST', '/auth/nostr', { body: { nostr_event: proof() } })).body.code).toBe(
      'invite_required',
    );
    expect(
      (await call(server, 'POST', '/auth/nostr', { body: { nostr_event: proof(), referrer_token: invite } })).status,
    ).toBe(201);

    // LNURL-auth: the invite goes with the k1
    const secret = secp256k1.utils.randomSecretKey();
    const key = Buffer.from(secp256k1.getPublicKey(secret, true)).toString('hex');
    const walletLogin = async (query: string) => {
      const start = await call(server, 'GET', `/auth/lnurl${query}`);
      const sig = Buffer.from(
        secp256k1.sign(Buffer.from(start.body.k1, 'hex'), secret, { prehash: false, format: 'der' }),
      ).toString('hex');
      return (await call(server, 'GET', `/auth/lnurl/callback?tag=login&k1=${start.body.k1}&sig=${sig}&key=${key}`))
        .body;
    };
    expect(await walletLogin('')).toEqual({ status: 'ERROR', reason: expect.stringContaining('invite') });
    expect(await walletLogin(`?referrer_token=${invite}`)).toEqual({ status: 'OK' });

    // Email codes: the code is not spent by the refusal, so it works again with the invite.
    await call(server, 'POST', '/auth/send-code', { body: { email: 'newcomer@example.test' } });
    const code = codeIn(await waitForMail(server.dataDir, 'newcomer@example.test'))!;
    const refused = await call(server, 'POST', '/auth/verify-code', { body: { email: 'newcomer@example.test', code } });
    expect(refused.body.code).toBe('invite_required');
    expect(
      (
        await call(server, 'POST', '/auth/verify-code', {
          body: { email: 'newcomer@example.test', code, referrer_token: invite },
        })
      ).status,
    ).toBe(201);
  });
});

describe('roles', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('the first account is the superadmin; only it grants or revokes admin; it cannot be demoted, disabled or deleted', async () => {
    server = await startServer();
    const root = await register(server);
    const rootId = await idOf(server, root.token);
    const alice = await register(server);
    const bob = await register(server);
    const aliceId = await idOf(server, alice.token);
    const bobId = await idOf(server, bob.token);
    expect((await call(server, 'GET', '/auth/me', { token: root.token })).body).toMatchObject({
      role: 'superadmin',
      is_admin: true,
    });
    expect((await call(server, 'GET', '/auth/me', { token: alice.token })).body).toMatchObject({
      role: 'user',
      is_admin: false,
    });

    expect(
      (await call(server, 'POST', `/admin/users/${aliceId}/grant-admin`, { token: root.token })).body,
    ).toMatchObject({ role: 'admin', is_admin: true });
    const byAdmin = await call(server, 'POST', `/admin/users/${bobId}/grant-admin`, { token: alice.token });
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.body.code).toBe('forbidden');
    // An admin still administers: lists users, disables accounts.
    expect((await call(server, 'GET', '/admin/users', { token: alice.token })).status).toBe(200);
    expect((await call(server, 'POST', `/admin/users/${rootId}/revoke-admin`, { token: alice.token })).status).toBe(
      403,
    );
    expect((await call(server, 'POST', `/admin/users/${rootId}/revoke-admin`, { token: root.token })).status).toBe(409);
    expect((await call(server, 'POST', `/admin/users/${rootId}/disable`, { token: alice.token })).status).toBe(409);
    const deleting = await call(server, 'DELETE', '/auth/me', { token: root.token, body: { password: root.password } });
    expect(deleting.status).toBe(409);
    expect(
      (await call(server, 'POST', `/admin/users/${aliceId}/revoke-admin`, { token: root.token })).body,
    ).toMatchObject({ role: 'user', is_admin: false });
    expect((await call(server, 'GET', '/admin/users', { token: alice.token })).body.code).toBe('admin_only');
  });
});

describe('accounts made by an admin', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('gets a temporary password; its token opens only GET /auth, the password change and logout until then', async () => {
    server = await startServer();
    const root = await register(server);
    const made = await call(server, 'POST', '/admin/users', {
      token: root.token,
      body: { username: 'newhire', email: 'newhire@example.test' },
    });
    expect(made.status).toBe(201);
    expect(made.body.user).toMatchObject({
      username: 'newhire',
      must_reset_password: true,
      role: 'user',
      has_password: true,
    });
    const temporary = made.body.temporary_password as string;
    expect(temporary.length).toBeGreaterThanOrEqual(16);

    const login = await call(server, 'POST', '/auth', { body: { username: 'newhire', password: temporary } });
    expect(login.status).toBe(200);
    const token = login.body.access_token as string;
    expect((await call(server, 'GET', '/auth', { token })).body.must_reset_password).toBe(true);
    for (const [method, path, body] of [
      ['GET', '/auth/me', undefined],
      ['PUT', '/auth/me', { display_name: 'x' }],
      ['GET', '/auth/sessions', undefined],
      ['POST', '/auth/me/tokens', { name: 'k' }],
      ['GET', '/auth/totp', undefined],
      ['POST', '/auth/acls', { name: 'a', allowed_endpoints: ['GET /x'] }],
    ] as const) {
      const refused = await call(server, method, path, { token, ...(body ? { body } : {}) });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body.code, `${method} ${path}`).toBe('password_reset_required');
    }
    const changed = await call(server, 'PUT', '/auth/update-password', {
      token,
      body: { old_password: temporary, new_password: 'My-own-password-9' },
    });
    expect(changed.status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { token })).body.must_reset_password).toBe(false);
    expect((await call(server, 'GET', '/auth/sessions', { token })).status).toBe(200);
    expect((await call(server, 'POST', '/auth/logout', { token })).status).toBe(200);
  });

  it('with send_mail, mails a link to choose the password and answers no password; only the superadmin makes admins', async () => {
    server = await startServer();
    const root = await register(server);
    const made = await call(server, 'POST', '/admin/users', {
      token: root.token,
      body: { username: 'mailed', email: 'mailed@example.test', send_mail: true, role: 'admin' },
    });
    expect(made.status).toBe(201);
    expect(made.body.temporary_password).toBeUndefined();
    expect(made.body.user).toMatchObject({ role: 'admin', must_reset_password: true, has_password: false });
    const mail = await waitForMail(server.dataDir, 'mailed@example.test');
    expect(mail.subject).toContain('account is ready');
    expect(mail.text).toContain('mailed');
    const reset = await call(server, 'PUT', '/auth/reset-password', {
      body: { reset_token: resetTokenIn(mail), new_password: 'Chosen-password-42' },
    });
    expect(reset.status).toBe(200);
    const login = await call(server, 'POST', '/auth', { body: { username: 'mailed', password: 'Chosen-password-42' } });
    expect((await call(server, 'GET', '/auth/me', { token: login.body.access_token })).body).toMatchObject({
      must_reset_password: false,
      role: 'admin',
    });

    // An admin (not the superadmin) makes users only.
    const byAdmin = await call(server, 'POST', '/admin/users', {
      token: login.body.access_token,
      body: { username: 'another', role: 'admin' },
    });
    expect(byAdmin.body.code).toBe('forbidden');
    expect(
      (await call(server, 'POST', '/admin/users', { token: login.body.access_token, body: { username: 'another' } }))
        .status,
    ).toBe(201);
    expect(
      (await call(server, 'POST', '/admin/users', { token: root.token, body: { username: 'another' } })).body.code,
    ).toBe('username_taken');
    expect(
      (await call(server, 'POST', '/admin/users', { token: root.token, body: { username: 'nomail', send_mail: true } }))
        .status,
    ).toBe(400);
  });
});

describe('profile names and the email change', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('first_name and last_name at registration and in PUT /auth/me; moving the email needs the password', async () => {
    server = await startServer();
    const user = await register(server, { first_name: 'Ada', last_name: 'Lovelace' });
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).body).toMatchObject({
      first_name: 'Ada',
      last_name: 'Lovelace',
    });
    const changed = await call(server, 'PUT', '/auth/me', { token: user.token, body: { last_name: 'King' } });
    expect(changed.body).toMatchObject({ first_name: 'Ada', last_name: 'King' });
    expect(
      (await call(server, 'PUT', '/auth/me', { token: user.token, body: { first_name: null } })).body,
    ).toMatchObject({ first_name: null, last_name: 'King' });
    const moved = await call(server, 'PUT', '/auth/me', {
      token: user.token,
      body: { email: 'elsewhere@example.test' },
    });
    expect(moved.status).toBe(401);
    expect(
      (
        await call(server, 'PUT', '/auth/me', {
          token: user.token,
          body: { email: 'elsewhere@example.test', password: user.password },
        })
      ).body.email,
    ).toBe('elsewhere@example.test');
  });
});

describe('found by review', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('an account that must reset its password cannot start linking a wallet or an identity', async () => {
    server = await startServer();
    const root = await register(server);
    const made = await call(server, 'POST', '/admin/users', { token: root.token, body: { username: 'linker' } });
    const token = (
      await call(server, 'POST', '/auth', { body: { username: 'linker', password: made.body.temporary_password } })
    ).body.access_token;
    const link = await call(server, 'GET', '/auth/lnurl?action=link', { token });
    expect(link.status).toBe(403);
    expect(link.body.code).toBe('password_reset_required');
  });

  it('an address is one address in any case: an admin-made account cannot take it in capitals', async () => {
    server = await startServer();
    const root = await register(server, { email: 'alice@example.test' });
    const taken = await call(server, 'POST', '/admin/users', {
      token: root.token,
      body: { username: 'mimic', email: 'Alice@Example.test' },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('email_taken');
    expect(
      (await call(server, 'POST', '/auth', { body: { username: 'alice@example.test', password: root.password } }))
        .status,
    ).toBe(200);
  });

  it('only the superadmin disables an admin; an invite of a demoted admin stops working', async () => {
    server = await startServer({ REGISTRATION: 'invite' });
    const root = await register(server);
    const a = await call(server, 'POST', '/admin/users', {
      token: root.token,
      body: { username: 'admin_a', role: 'admin' },
    });
    const b = await call(server, 'POST', '/admin/users', {
      token: root.token,
      body: { username: 'admin_b', role: 'admin' },
    });
    const login = async (username: string, temporary: string) => {
      const first = (await call(server, 'POST', '/auth', { body: { username, password: temporary } })).body
        .access_token;
      await call(server, 'PUT', '/auth/update-password', {
        token: first,
        body: { old_password: temporary, new_password: `Fresh-password-${username.length}-99` },
      });
      return (
        await call(server, 'POST', '/auth', { body: { username, password: `Fresh-password-${username.length}-99` } })
      ).body.access_token as string;
    };
    const aToken = await login('admin_a', a.body.temporary_password);
    const refused = await call(server, 'POST', `/admin/users/${b.body.user.id}/disable`, { token: aToken });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('forbidden');
    const invite = (await call(server, 'POST', '/auth/invites', { token: aToken, body: {} })).body.token;
    await call(server, 'POST', `/admin/users/${a.body.user.id}/revoke-admin`, { token: root.token });
    const late = await call(server, 'POST', '/auth/register', { body: newUser({ referrer_token: invite }) });
    expect(late.status).toBe(403);
    expect(late.body.detail).toBe('This invite is no longer valid');
  });
});
