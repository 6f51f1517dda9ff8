import { generate } from 'otplib';
import { afterEach, describe, expect, it } from 'vitest';
import { codeIn, mailbox, resetTokenIn, verifyAddress, waitForMail } from '../support/mail.js';
import { call, register, startPublicServer, startServer, TestClock, type TestServer } from '../support/server.js';
import { nostrSigner } from '../support/signers.js';
import { passkeyDevice } from '../support/passkeys.js';

const totpAt = (secret: string, clock: TestClock) =>
  generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) });

/**
 * Everything an account's maker can set up to keep a way in: a session, the password, the legacy
 * user key, an API key, an ACL token, a linked Nostr key, and two-factor authentication.
 */
async function setUpEverything(server: TestServer, overrides: Record<string, unknown> = {}) {
  const user = await register(server, overrides);
  const token = user.token;
  const apiKey = (await call(server, 'POST', '/auth/me/tokens', { token, body: { name: 'kept' } })).body
    .token as string;
  const acl = (
    await call(server, 'POST', '/auth/acls', {
      token,
      body: { name: 'kept', allowed_endpoints: ['GET /api/v1/auth/me'] },
    })
  ).body;
  const aclToken = (await call(server, 'POST', `/auth/acls/${acl.id}/tokens`, { token, body: {} })).body
    .token as string;
  const nostr = nostrSigner(server.clock);
  const nostrProof = (path: string) => nostr.proof(`${server.api}${path}`);
  expect(
    (await call(server, 'POST', '/auth/nostr/link', { token, body: { nostr_event: nostrProof('/auth/nostr/link') } }))
      .status,
  ).toBe(200);
  const totp = await call(server, 'GET', '/auth/totp', { token });
  server.clock.advance(30_000);
  expect(
    (await call(server, 'POST', '/auth/totp', { token, body: { code: await totpAt(totp.body.secret, server.clock) } }))
      .status,
  ).toBe(200);
  server.clock.advance(30_000);
  return {
    ...user,
    usr: user.answer.body.usr as string,
    apiKey,
    aclToken,
    nostrProof,
    totpSecret: totp.body.secret as string,
  };
}

/** Which of the maker's ways in still open the account `victimId`. */
async function waysStillIn(server: TestServer, maker: Awaited<ReturnType<typeof setUpEverything>>, victimId: string) {
  const me = async (auth: Parameters<typeof call>[3]) =>
    (await call(server, 'GET', '/auth/me', auth)).body.id === victimId;
  const signIn = async (path: string, body: Record<string, unknown>) => {
    // A TOTP code works once: each sign-in comes a step later.
    server.clock.advance(30_000);
    const answer = await call(server, 'POST', path, {
      body: { ...body, totp_code: await totpAt(maker.totpSecret, server.clock) },
    });
    return answer.status < 300 && (await me({ token: answer.body.access_token }));
  };
  const open = {
    session: await me({ token: maker.token }),
    password: await signIn('/auth', { username: maker.username, password: maker.password }),
    usrKey: await signIn('/auth/usr', { usr: maker.usr }),
    apiKey: await me({ headers: { 'x-api-key': maker.apiKey } }),
    aclToken: await me({ token: maker.aclToken }),
    nostr: await signIn('/auth/nostr', { nostr_event: maker.nostrProof('/auth/nostr') }),
  };
  return Object.entries(open)
    .filter(([, works]) => works)
    .map(([way]) => way);
}

describe('pre-account takeover: proving a never-verified address reclaims the account', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('an email code for the address signs its owner in and ends everything the maker set up; the owner is told', async () => {
    server = await startPublicServer({}, { clock: new TestClock() });
    await register(server); // the superadmin
    const victim = 'victim@example.test';
    const attacker = await setUpEverything(server, { email: victim });
    const victimId = (await call(server, 'GET', '/auth/me', { token: attacker.token })).body.id;
    expect(await waysStillIn(server, attacker, victimId)).toHaveLength(6);

    await call(server, 'POST', '/auth/send-code', { body: { email: victim } });
    const code = codeIn(await waitForMail(server.dataDir, victim, { match: (m) => /sign-in code/i.test(m.subject) }))!;
    // No two-factor prompt: the maker may have set that too.
    const signedIn = await call(server, 'POST', '/auth/verify-code', { body: { email: victim, code } });
    expect(signedIn.status).toBe(200);

    expect(await waysStillIn(server, attacker, victimId)).toEqual([]);
    const me = (await call(server, 'GET', '/auth/me', { token: signedIn.body.access_token })).body;
    expect(me).toMatchObject({
      id: victimId,
      email: victim,
      email_verified: true,
      has_password: false,
      totp_enabled: false,
      nostr_pubkeys: [],
      auth_methods: ['email'],
    });
    expect((await call(server, 'GET', '/auth/sessions', { token: signedIn.body.access_token })).body).toHaveLength(1);
    expect((await call(server, 'GET', '/auth/me/tokens', { token: signedIn.body.access_token })).body).toEqual([]);
    const notice = await waitForMail(server.dataDir, victim, { match: (m) => /secured/i.test(m.subject) });
    expect(notice.text).toMatch(/never been verified/);
    expect(notice.text).toMatch(/two-factor authentication/);
    // The audit trail says what happened.
    const history = (await call(server, 'GET', '/auth/me/history?limit=50', { token: signedIn.body.access_token }))
      .body as { type: string }[];
    expect(history.map((e) => e.type)).toEqual(
      expect.arrayContaining(['AccountReclaimed', 'PasswordRemoved', 'TotpDisabled', 'IdentityUnlinked']),
    );
  });

  it('a passkey the maker signed up with stops working when the owner proves the address', async () => {
    server = await startServer({}, { clock: new TestClock() });
    await register(server); // the superadmin
    const victim = 'victim@example.test';
    const maker = passkeyDevice(server);
    const made = await maker.signUp({ username: 'victim_name', email: victim });
    expect(made.status).toBe(201);
    expect((await maker.signIn()).status).toBe(200);

    await call(server, 'POST', '/auth/send-code', { body: { email: victim } });
    const code = codeIn(await waitForMail(server.dataDir, victim, { match: (m) => /sign-in code/i.test(m.subject) }))!;
    const signedIn = await call(server, 'POST', '/auth/verify-code', { body: { email: victim, code } });
    expect(signedIn.status).toBe(200);
    expect((await maker.signIn()).status).toBe(401);
    const me = (await call(server, 'GET', '/auth/me', { token: signedIn.body.access_token })).body;
    expect(me).toMatchObject({ passkeys: [], auth_methods: ['email'] });
    // The owner's own passkey gets a user handle of its own, not the maker's.
    const options = await call(server, 'POST', '/auth/passkeys/registration/options', {
      token: signedIn.body.access_token,
    });
    const makersHandle = [...maker.authenticator.credentials.values()][0]!.userHandle;
    expect(options.body.user.id).not.toBe(makersHandle);
  });

  it("a reset link to the address does the same, and the new password then signs in without the maker's two-factor", async () => {
    server = await startPublicServer({}, { clock: new TestClock() });
    await register(server);
    const victim = 'owner@example.test';
    const attacker = await setUpEverything(server, { email: victim });
    const victimId = (await call(server, 'GET', '/auth/me', { token: attacker.token })).body.id;

    expect((await call(server, 'POST', '/auth/reset-password', { body: { email: victim } })).status).toBe(202);
    const token = resetTokenIn(await waitForMail(server.dataDir, victim, { match: (m) => /reset/i.test(m.subject) }))!;
    expect(
      (
        await call(server, 'PUT', '/auth/reset-password', {
          body: { reset_token: token, new_password: 'Owners-new-pass-1' },
        })
      ).status,
    ).toBe(200);

    expect(await waysStillIn(server, attacker, victimId)).toEqual([]);
    const login = await call(server, 'POST', '/auth', { body: { username: victim, password: 'Owners-new-pass-1' } });
    expect(login.status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { token: login.body.access_token })).body).toMatchObject({
      email_verified: true,
      totp_enabled: false,
      nostr_pubkeys: [],
    });
    await waitForMail(server.dataDir, victim, { match: (m) => /secured/i.test(m.subject) });
  });

  it('a verified address reclaims nothing: an email code is an ordinary sign-in (two-factor asked), and credentials stay', async () => {
    server = await startPublicServer({}, { clock: new TestClock() });
    await register(server);
    const owner = await register(server);
    await verifyAddress(server, owner.token, owner.email);
    const apiKey = (await call(server, 'POST', '/auth/me/tokens', { token: owner.token, body: { name: 'kept' } })).body
      .token as string;
    await call(server, 'POST', '/auth/send-code', { body: { email: owner.email } });
    const code = codeIn(
      await waitForMail(server.dataDir, owner.email, { match: (m) => /sign-in code/i.test(m.subject) }),
    )!;
    expect((await call(server, 'POST', '/auth/verify-code', { body: { email: owner.email, code } })).status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { token: owner.token })).status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { headers: { 'x-api-key': apiKey } })).status).toBe(200);
    expect((await mailbox(server.dataDir)).some((m) => /secured/i.test(m.subject))).toBe(false);
  });
});

describe('credentials that outlive a reset or a change', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('a reset of a verified account ends the user key, every API key and ACL token, and every session; two-factor stays', async () => {
    server = await startPublicServer({}, { clock: new TestClock() });
    await register(server);
    const owner = await register(server);
    await verifyAddress(server, owner.token, owner.email);
    const apiKey = (await call(server, 'POST', '/auth/me/tokens', { token: owner.token, body: { name: 'k' } })).body
      .token as string;
    const acl = (
      await call(server, 'POST', '/auth/acls', {
        token: owner.token,
        body: { name: 'a', allowed_endpoints: ['GET /api/v1/auth/me'] },
      })
    ).body;
    const aclToken = (await call(server, 'POST', `/auth/acls/${acl.id}/tokens`, { token: owner.token, body: {} })).body
      .token as string;

    await call(server, 'POST', '/auth/reset-password', { body: { email: owner.email } });
    const token = resetTokenIn(
      await waitForMail(server.dataDir, owner.email, { match: (m) => /reset/i.test(m.subject) }),
    )!;
    expect(
      (
        await call(server, 'PUT', '/auth/reset-password', {
          body: { reset_token: token, new_password: 'Fresh-pass-after-reset' },
        })
      ).status,
    ).toBe(200);

    expect((await call(server, 'POST', '/auth/usr', { body: { usr: owner.answer.body.usr } })).status).toBe(401);
    expect((await call(server, 'GET', '/auth/me', { headers: { 'x-api-key': apiKey } })).status).toBe(401);
    expect((await call(server, 'GET', '/auth/me', { token: aclToken })).status).toBe(401);
    expect((await call(server, 'GET', '/auth/me', { token: owner.token })).status).toBe(401);
    const login = await call(server, 'POST', '/auth', {
      body: { username: owner.username, password: 'Fresh-pass-after-reset' },
    });
    expect((await call(server, 'GET', `/auth/acls/${acl.id}/tokens`, { token: login.body.access_token })).body).toEqual(
      [],
    );
    expect((await call(server, 'GET', '/auth/acls', { token: login.body.access_token })).body[0].token_count).toBe(0);
    // No reclaim for a verified address: nothing but the reset notice.
    expect((await mailbox(server.dataDir)).some((m) => /secured/i.test(m.subject))).toBe(false);
  });

  it('a password change ends the other credentials only when the person asks (revoke_credentials)', async () => {
    server = await startPublicServer({}, { clock: new TestClock() });
    await register(server); // the first account is the superadmin, which may not sign in with the user key
    const owner = await register(server);
    const apiKey = (await call(server, 'POST', '/auth/me/tokens', { token: owner.token, body: { name: 'k' } })).body
      .token as string;
    const change = (from: string, to: string, extra: Record<string, unknown> = {}) =>
      call(server, 'PUT', '/auth/update-password', {
        token: owner.token,
        body: { old_password: from, new_password: to, ...extra },
      });
    expect((await change(owner.password, 'Second-pass-123')).status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { headers: { 'x-api-key': apiKey } })).status).toBe(200);
    expect((await call(server, 'POST', '/auth/usr', { body: { usr: owner.answer.body.usr } })).status).toBe(200);
    // A wrong old password ends nothing.
    expect((await change('Wrong-pass-1234', 'Third-pass-123', { revoke_credentials: true })).status).toBe(401);
    expect((await call(server, 'GET', '/auth/me', { headers: { 'x-api-key': apiKey } })).status).toBe(200);
    expect((await change('Second-pass-123', 'Third-pass-123', { revoke_credentials: true })).status).toBe(200);
    expect((await call(server, 'GET', '/auth/me', { headers: { 'x-api-key': apiKey } })).status).toBe(401);
    expect((await call(server, 'POST', '/auth/usr', { body: { usr: owner.answer.body.usr } })).status).toBe(401);
    // The session that proved the password goes on, and may make new credentials.
    expect(
      (await call(server, 'POST', '/auth/me/tokens', { token: owner.token, body: { name: 'after' } })).status,
    ).toBe(201);
  });

  it('the user key is shown only to a recent sign-in; replacing it needs the password otherwise', async () => {
    const clock = new TestClock();
    server = await startPublicServer({ REAUTH_WINDOW: '5m' }, { clock });
    const owner = await register(server);
    expect((await call(server, 'GET', '/auth/usr-key', { token: owner.token })).body.usr).toBe(owner.answer.body.usr);
    clock.advance(5 * 60_000 + 1);
    const stale = await call(server, 'GET', '/auth/usr-key', { token: owner.token });
    expect(stale.status).toBe(403);
    expect(stale.body).toEqual({ code: 'reauth_required', detail: expect.any(String), methods: ['password'] });
    expect((await call(server, 'POST', '/auth/usr-key', { token: owner.token, body: {} })).body.code).toBe(
      'reauth_required',
    );
    expect(
      (await call(server, 'POST', '/auth/usr-key', { token: owner.token, body: { password: 'Wrong-pass-1234' } })).body
        .code,
    ).toBe('invalid_credentials');
    const rotated = await call(server, 'POST', '/auth/usr-key', {
      token: owner.token,
      body: { password: owner.password },
    });
    expect(rotated.status).toBe(200);
    expect((await call(server, 'POST', '/auth/usr', { body: { usr: owner.answer.body.usr } })).status).toBe(401);
    // A fresh sign-in is the proof again.
    const again = await call(server, 'POST', '/auth', { body: { username: owner.username, password: owner.password } });
    expect((await call(server, 'GET', '/auth/usr-key', { token: again.body.access_token })).body.usr).toBe(
      rotated.body.usr,
    );
  });
});
