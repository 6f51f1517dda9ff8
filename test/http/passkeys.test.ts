import { afterEach, describe, expect, it } from 'vitest';
import { waitForMail } from '../support/mail.js';
import { originOf, passkeyDevice } from '../support/passkeys.js';
import { call, newUser, register, startServer, TestClock, type TestServer } from '../support/server.js';
import { codeAt, enableTotp as enable } from '../support/totp.js';

const enableTotp = async (server: TestServer, token: string) => (await enable(server, token)).secret;

const me = async (server: TestServer, token: string) => (await call(server, 'GET', '/auth/me', { token })).body;

describe('passkeys (WebAuthn)', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it.each(['ES256', 'EdDSA'] as const)(
    'a signed-in account adds a %s passkey; creation options exclude its passkeys and never carry its id or name as the user handle',
    async (algorithm) => {
      server = await startServer();
      const user = await register(server);
      const device = passkeyDevice(server, { algorithm });
      const options = await call(server, 'POST', '/auth/passkeys/registration/options', { token: user.token });
      expect(options.body).toMatchObject({
        rp: { id: 'localhost' },
        user: { name: user.username },
        attestation: 'none',
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
        excludeCredentials: [],
      });
      const account = await me(server, user.token);
      const handle = Buffer.from(options.body.user.id, 'base64url').toString('utf8');
      expect(handle).not.toContain(account.id);
      expect(handle).not.toContain(user.username);

      const added = await device.add(user.token, 'Laptop', { password: user.password });
      expect(added.status).toBe(201);
      expect(added.body).toEqual({
        id: expect.any(String),
        name: 'Laptop',
        created_at: expect.any(String),
        last_used_at: null,
        backed_up: false,
        transports: ['internal'],
      });
      const after = await me(server, user.token);
      expect(after.passkeys).toEqual([added.body]);
      expect(after.auth_methods).toEqual(['password', 'passkey']);
      const again = await call(server, 'POST', '/auth/passkeys/registration/options', { token: user.token });
      expect(again.body.excludeCredentials).toEqual([expect.objectContaining({ id: added.body.id })]);
      // The same account keeps one user handle for all its passkeys: the one its first passkey was made with.
      expect(again.body.user.id).toBe(device.authenticator.credentials.get(added.body.id)!.userHandle);
    },
  );

  it('adding a passkey needs the proof it will stand in for: the password (and code), or a passkey the account has', async () => {
    server = await startServer();
    const user = await register(server);
    const device = passkeyDevice(server);
    const bare = await device.add(user.token);
    expect([bare.status, bare.body.code]).toEqual([401, 'invalid_credentials']);
    const wrong = await passkeyDevice(server).add(user.token, undefined, { password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect((await me(server, user.token)).passkeys).toEqual([]);
    // A refused passkey's credential id is free again: the same passkey joins with the proof.
    const retried = await passkeyDevice(server).add(user.token, undefined, { password: user.password });
    expect(retried.status).toBe(201);
  });

  it('signs up with a passkey and no password, then signs in with it with no username typed (token or cookie)', async () => {
    server = await startServer();
    const device = passkeyDevice(server);
    const { username, email } = newUser();
    const made = await device.signUp({ username, email });
    expect(made.status).toBe(201);
    const account = await me(server, made.body.access_token);
    expect(account).toMatchObject({ username, email, has_password: false, auth_methods: ['passkey'] });
    expect(account.passkeys).toHaveLength(1);

    const options = await call(server, 'POST', '/auth/passkeys/authentication/options');
    expect(options.body).toMatchObject({ rpId: 'localhost', allowCredentials: [], userVerification: 'preferred' });
    const signedIn = await device.signIn();
    expect(signedIn.status).toBe(200);
    expect((await me(server, signedIn.body.access_token)).id).toBe(account.id);
    expect((await me(server, signedIn.body.access_token)).passkeys[0].last_used_at).not.toBeNull();

    const cookie = await call(server, 'POST', '/auth/passkeys/authentication?session=cookie', {
      headers: { 'sec-fetch-site': 'same-origin' },
      body: { response: await device.assertion() },
    });
    expect(cookie.status).toBe(200);
    expect(cookie.headers.get('set-cookie')).toMatch(/session=/);

    const history = (await call(server, 'GET', '/auth/me/history', { token: signedIn.body.access_token })).body;
    const summaries = history.map((entry: { summary: string }) => entry.summary);
    expect(summaries).toEqual(expect.arrayContaining(['Signed in with a passkey', 'Passkey used']));
    expect(summaries.some((s: string) => s.startsWith('Passkey "Passkey" added'))).toBe(true);
    expect(history[0]).toMatchObject({ ip: expect.any(String) });
  });

  it('sign-up follows the registration mode and refuses a taken username before the authenticator is asked', async () => {
    server = await startServer({ REGISTRATION: 'closed' });
    await register(server); // the first account is always allowed
    const device = passkeyDevice(server);
    const closed = await device.signUp({ username: newUser().username });
    expect(closed.status).toBe(403);
    expect(closed.body.code).toBe('registration_closed');
    await server.close();

    server = await startServer();
    const taken = await register(server);
    const refused = await passkeyDevice(server).signUp({ username: taken.username });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('username_taken');
  });

  it('refuses a wrong origin, a wrong RP ID, a replayed answer, an unknown passkey and a bad signature', async () => {
    server = await startServer();
    const device = passkeyDevice(server);
    const made = await device.signUp({ username: newUser().username });
    expect(made.status).toBe(201);

    const wrongOrigin = await device.signIn({ origin: 'https://evil.example' });
    expect(wrongOrigin.status).toBe(401);
    expect(wrongOrigin.body.code).toBe('invalid_credentials');
    const wrongRp = await device.signIn({ rpId: 'evil.example' });
    expect(wrongRp.status).toBe(401);

    const answer = await device.assertion();
    const first = await call(server, 'POST', '/auth/passkeys/authentication', { body: { response: answer } });
    expect(first.status).toBe(200);
    const replay = await call(server, 'POST', '/auth/passkeys/authentication', { body: { response: answer } });
    expect(replay.status).toBe(410);
    expect(replay.body.code).toBe('challenge_used');

    // Options live 5 minutes.
    const stale = await device.assertion();
    server.clock.advance(5 * 60_000 + 1);
    const expired = await call(server, 'POST', '/auth/passkeys/authentication', { body: { response: stale } });
    expect([expired.status, expired.body.code]).toEqual([410, 'challenge_expired']);

    const stranger = passkeyDevice(server);
    await stranger.signUp({ username: newUser().username });
    const unknown = await passkeyDevice(server).authenticator;
    expect(unknown.credentials.size).toBe(0);
    const options = await call(server, 'POST', '/auth/passkeys/authentication/options');
    const foreign = stranger.authenticator.authenticate(options.body, originOf(server));
    const forged = { ...foreign, id: 'AAAA', rawId: 'AAAA' };
    const unknownAnswer = await call(server, 'POST', '/auth/passkeys/authentication', { body: { response: forged } });
    expect(unknownAnswer.status).toBe(401);

    const tampered = await device.assertion();
    const signature = Buffer.from(tampered.response.signature, 'base64url');
    signature[signature.length - 1]! ^= 1;
    tampered.response.signature = signature.toString('base64url');
    const bad = await call(server, 'POST', '/auth/passkeys/authentication', { body: { response: tampered } });
    expect(bad.status).toBe(401);
    // Wrong answers count as failed sign-ins of the account.
    const history = (await call(server, 'GET', '/auth/me/history', { token: made.body.access_token })).body;
    expect(history.filter((e: { type: string }) => e.type === 'LoginFailed').length).toBeGreaterThanOrEqual(3);
  });

  it('five wrong answers lock the account: its passkey, right or wrong, is refused until the lock ends', async () => {
    server = await startServer();
    const device = passkeyDevice(server);
    expect((await device.signUp({ username: newUser().username })).status).toBe(201);
    for (let i = 0; i < 5; i += 1) {
      const tampered = await device.assertion();
      tampered.response.signature = Buffer.from('not a signature').toString('base64url');
      expect(
        (await call(server, 'POST', '/auth/passkeys/authentication', { body: { response: tampered } })).status,
      ).toBe(401);
    }
    const locked = await device.signIn();
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('account_locked');
    server.clock.advance(16 * 60_000);
    expect((await device.signIn()).status).toBe(200);
  });

  it('a signature counter that goes backwards refuses the sign-in, is recorded, and mails the owner', async () => {
    server = await startServer();
    const device = passkeyDevice(server);
    const { username, email } = newUser();
    const made = await device.signUp({ username, email });
    const token = made.body.access_token as string;
    // A notice goes to a verified address only.
    const { verifyAddress } = await import('../support/mail.js');
    await verifyAddress(server, token, email);
    expect((await device.signIn({ counter: 5 })).status).toBe(200);
    const cloned = await device.signIn({ counter: 3 });
    expect(cloned.status).toBe(401);
    const history = (await call(server, 'GET', '/auth/me/history', { token })).body;
    expect(history.map((e: { type: string }) => e.type)).toContain('PasskeyCounterRegressed');
    const mail = await waitForMail(server.dataDir, email, { match: (m) => /copy of one of your/.test(m.subject) });
    expect(mail.text).toContain('signature counter went backwards');
    // The next honest use (a higher counter) signs in again.
    expect((await device.signIn({ counter: 6 })).status).toBe(200);
  });

  it('finishes a password login as the second factor (totp_required names it), and a passkey without user verification needs the code', async () => {
    server = await startServer({}, { clock: new TestClock() });
    const user = await register(server);
    const device = passkeyDevice(server, { userVerification: false });
    expect((await device.add(user.token, undefined, { password: user.password })).status).toBe(201);
    const secret = await enableTotp(server, user.token);

    const asked = await call(server, 'POST', '/auth', { body: { username: user.username, password: user.password } });
    expect(asked.status).toBe(401);
    expect(asked.body).toMatchObject({ code: 'totp_required', second_factors: ['totp', 'passkey'] });
    const withPasskey = await call(server, 'POST', '/auth', {
      body: { username: user.username, password: user.password, passkey: await device.assertion() },
    });
    expect(withPasskey.status).toBe(200);

    // Without user verification the passkey is one factor: with 2FA on, the code is needed too.
    const alone = await device.signIn();
    expect(alone.status).toBe(401);
    expect(alone.body.code).toBe('totp_required');
    server.clock.advance(30_000); // the code of the step 2FA was turned on with is spent
    const withCode = await device.signIn({}, { totp_code: await codeAt(secret, server.clock) });
    expect(withCode.status).toBe(200);

    // Without user verification it does not stand in for the password in a sensitive change either.
    const alone2 = await call(server, 'PUT', '/auth/me', {
      token: user.token,
      body: { email: newUser().email, passkey: await device.assertion() },
    });
    expect([alone2.status, alone2.body.code]).toEqual([403, 'reauth_required']);
    const withPassword = await call(server, 'PUT', '/auth/me', {
      token: user.token,
      body: { email: newUser().email, password: user.password, passkey: await device.assertion() },
    });
    expect(withPassword.status).toBe(200);

    // Another account's passkey is no second factor of this one.
    const other = await register(server);
    const otherDevice = passkeyDevice(server);
    await otherDevice.add(other.token, undefined, { password: other.password });
    const foreign = await call(server, 'POST', '/auth', {
      body: { username: user.username, password: user.password, passkey: await otherDevice.assertion() },
    });
    expect(foreign.status).toBe(401);
  });

  it('a passkey with user verification signs in alone even with 2FA on', async () => {
    server = await startServer({}, { clock: new TestClock() });
    const user = await register(server);
    const device = passkeyDevice(server);
    await device.add(user.token, undefined, { password: user.password });
    await enableTotp(server, user.token);
    expect((await device.signIn()).status).toBe(200);
  });

  it('is the proof of sensitive changes: an account without a password changes its username and deletes itself with a passkey', async () => {
    server = await startServer();
    await register(server); // the superadmin, who cannot delete itself
    const device = passkeyDevice(server);
    const made = await device.signUp({ username: newUser().username });
    const token = made.body.access_token as string;
    const renamed = await call(server, 'PUT', '/auth/me/username', {
      token,
      body: { new_username: newUser().username, passkey: await device.assertion() },
    });
    expect(renamed.status).toBe(200);
    const noProof = await call(server, 'PUT', '/auth/me/username', {
      token,
      body: { new_username: newUser().username },
    });
    expect(noProof.status).toBe(400);
    // Without it, an account that has passkeys proves nothing: no deletion, no new address.
    const bare = await call(server, 'DELETE', '/auth/me', { token, body: {} });
    expect([bare.status, bare.body.code]).toEqual([403, 'reauth_required']);
    const moved = await call(server, 'PUT', '/auth/me', { token, body: { email: newUser().email } });
    expect([moved.status, moved.body.code]).toEqual([403, 'reauth_required']);
    const deleted = await call(server, 'DELETE', '/auth/me', { token, body: { passkey: await device.assertion() } });
    expect(deleted.status).toBe(200);
  });

  it('turns 2FA off with a passkey, and changes the address with one', async () => {
    server = await startServer({}, { clock: new TestClock() });
    const user = await register(server);
    const device = passkeyDevice(server);
    await device.add(user.token, undefined, { password: user.password });
    await enableTotp(server, user.token);
    const off = await call(server, 'DELETE', '/auth/totp', {
      token: user.token,
      body: { passkey: await device.assertion() },
    });
    expect(off.status).toBe(200);
    expect((await me(server, user.token)).totp_enabled).toBe(false);
    const moved = await call(server, 'PUT', '/auth/me', {
      token: user.token,
      body: { email: newUser().email, passkey: await device.assertion() },
    });
    expect(moved.status).toBe(200);
  });

  it('lists, renames and removes passkeys (with a proof); the last way in stays', async () => {
    // With the legacy user key's login off, a passkey-only account has exactly one way in.
    server = await startServer({ ALLOW_USR_LOGIN: 'false' });
    const user = await register(server);
    const laptop = passkeyDevice(server);
    const phone = passkeyDevice(server);
    const first = (await laptop.add(user.token, 'Laptop', { password: user.password })).body;
    // A passkey the account has is proof enough for the next one.
    const second = (await phone.add(user.token, 'Phone', { passkey: await laptop.assertion() })).body;
    const listed = await call(server, 'GET', '/auth/passkeys', { token: user.token });
    expect(listed.body.map((p: { name: string }) => p.name)).toEqual(['Laptop', 'Phone']);
    const renamed = await call(server, 'PATCH', `/auth/passkeys/${first.id}`, {
      token: user.token,
      body: { name: 'Work laptop' },
    });
    expect(renamed.body.name).toBe('Work laptop');

    const noProof = await call(server, 'DELETE', `/auth/passkeys/${second.id}`, { token: user.token, body: {} });
    expect(noProof.status).toBe(401);
    const wrong = await call(server, 'DELETE', `/auth/passkeys/${second.id}`, {
      token: user.token,
      body: { password: 'not-the-password' },
    });
    expect(wrong.status).toBe(401);
    const removed = await call(server, 'DELETE', `/auth/passkeys/${second.id}`, {
      token: user.token,
      body: { password: user.password },
    });
    expect(removed.status).toBe(200);
    expect(removed.body.passkeys.map((p: { id: string }) => p.id)).toEqual([first.id]);
    // Gone: it signs in no more, and the identities route does not remove passkeys.
    expect((await phone.signIn()).status).toBe(401);
    expect((await call(server, 'DELETE', `/auth/identities/passkey/${first.id}`, { token: user.token })).status).toBe(
      400,
    );

    // An account whose only way in is one passkey keeps it.
    const device = passkeyDevice(server);
    const made = await device.signUp({ username: newUser().username });
    const only = (await me(server, made.body.access_token)).passkeys[0].id;
    const last = await call(server, 'DELETE', `/auth/passkeys/${only}`, {
      token: made.body.access_token,
      body: { passkey: await device.assertion() },
    });
    expect(last.status).toBe(409);
  });

  it('a disabled account cannot use its passkeys; erasure leaves no credential id or public key readable in the events', async () => {
    server = await startServer();
    const admin = await register(server);
    const device = passkeyDevice(server);
    const made = await device.signUp({ username: newUser().username });
    const account = await me(server, made.body.access_token);
    expect(
      (await call(server, 'POST', `/admin/users/${account.id}/disable`, { token: admin.token })).status,
    ).toBeLessThan(300);
    const refused = await device.signIn();
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('account_disabled');
    // An admin sees the account's passkeys on the user.
    const seen = await call(server, 'GET', `/admin/users/${account.id}`, { token: admin.token });
    expect(seen.body.passkeys).toEqual(account.passkeys);

    const other = passkeyDevice(server);
    const mine = await other.signUp({ username: newUser().username });
    const credentialId = (await me(server, mine.body.access_token)).passkeys[0].id as string;
    const userId = (await me(server, mine.body.access_token)).id as string;
    const stored = JSON.stringify(
      (await server.service.eventStore.readStream(`user-${userId}`)).map((event) => event.data),
    );
    expect(stored).not.toContain(credentialId);
    expect(
      (
        await call(server, 'DELETE', '/auth/me', {
          token: mine.body.access_token,
          body: { passkey: await other.assertion() },
        })
      ).status,
    ).toBe(200);
    const audit = await call(server, 'GET', `/admin/users/${userId}/history`, { token: admin.token });
    const added = audit.body.events.find((event: { type: string }) => event.type === 'PasskeyAdded');
    expect(added.data).toMatchObject({ credentialId: '[erased]', publicKey: '[erased]', name: '[erased]' });
  });
});
