import { afterEach, describe, expect, it } from 'vitest';
import { captchaStandIn, GOOD_CAPTCHA } from '../support/captcha.js';
import { call, newUser, register, startServer, type TestServer } from '../support/server.js';
import { nostrSigner } from '../support/signers.js';
import { codeIn, waitForMail } from '../support/mail.js';

describe('a CAPTCHA in front of sign-up, mail requests and sign-ins under attack', () => {
  let server: TestServer | undefined;
  let provider: Awaited<ReturnType<typeof captchaStandIn>> | undefined;
  afterEach(async () => {
    await server?.close();
    await provider?.close();
    server = undefined;
    provider = undefined;
  });

  const metric = async (outcome: string) => {
    const text = await (await fetch(`${server!.url}/metrics`)).text();
    return Number(new RegExp(`accounts_captcha_checks_total\\{outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  };

  it('registration needs a solved CAPTCHA (body or header), checked with the secret and the address; setup-status says which', async () => {
    provider = await captchaStandIn();
    server = await startServer(provider.env);
    expect((await call(server, 'GET', '/auth/setup-status')).body.captcha).toEqual({
      provider: 'turnstile',
      site_key: 'site-key-1',
      script_url: provider.env.CAPTCHA_SCRIPT_URL,
      after_failures: 3,
    });
    const missing = await call(server, 'POST', '/auth/register', { body: newUser() });
    expect([missing.status, missing.body.code]).toEqual([400, 'captcha_required']);
    const wrong = await call(server, 'POST', '/auth/register', { body: { ...newUser(), captcha_token: 'guessed' } });
    expect([wrong.status, wrong.body.code]).toEqual([400, 'captcha_invalid']);
    expect((await call(server, 'GET', '/auth/setup-status')).body.setup_done).toBe(false);
    const made = await call(server, 'POST', '/auth/register', { body: { ...newUser(), captcha_token: GOOD_CAPTCHA } });
    expect(made.status).toBe(201);
    const byHeader = await call(server, 'POST', '/auth/register', {
      body: newUser(),
      headers: { 'x-captcha-token': GOOD_CAPTCHA },
    });
    expect(byHeader.status).toBe(201);
    expect(provider.checks.at(-1)).toEqual({ secret: 'captcha-secret', response: GOOD_CAPTCHA, remoteip: '127.0.0.1' });
    // Checked before any password work: a bot without a CAPTCHA costs no bcrypt hash.
    expect([await metric('missing'), await metric('invalid'), await metric('passed')]).toEqual([1, 1, 2]);
  });

  it('code and reset requests need one; a sign-in needs one only after CAPTCHA_AFTER_FAILURES failures for that name, known or not', async () => {
    provider = await captchaStandIn();
    server = await startServer({ ...provider.env, CAPTCHA_AFTER_FAILURES: '2' });
    const user = await register(server, { captcha_token: GOOD_CAPTCHA });
    for (const path of ['/auth/send-code', '/auth/reset-password']) {
      expect((await call(server, 'POST', path, { body: { email: user.email } })).body.code).toBe('captcha_required');
      expect(
        (await call(server, 'POST', path, { body: { email: user.email, captcha_token: GOOD_CAPTCHA } })).status,
      ).toBe(202);
    }
    const signIn = (username: string, password: string, captcha?: string) =>
      call(server!, 'POST', '/auth', { body: { username, password, ...(captcha ? { captcha_token: captcha } : {}) } });
    expect((await signIn(user.username, user.password)).status).toBe(200);
    for (const name of [user.username, 'nobody_at_all']) {
      expect((await signIn(name, 'Wrong-password-1')).body.code).toBe('invalid_credentials');
      expect((await signIn(name, 'Wrong-password-1')).body.code).toBe('invalid_credentials');
      // The third try, right or wrong, known name or not, is asked for a CAPTCHA first.
      expect((await signIn(name, name === user.username ? user.password : 'x')).body.code).toBe('captcha_required');
    }
    expect((await signIn(user.username, user.password, GOOD_CAPTCHA)).status).toBe(200);
  });

  it('a provider that does not answer in 3 s fails the check: closed on registration; open on sign-in only with CAPTCHA_FAIL_OPEN_SIGNIN', async () => {
    provider = await captchaStandIn();
    server = await startServer({ ...provider.env, CAPTCHA_AFTER_FAILURES: '0', CAPTCHA_FAIL_OPEN_SIGNIN: 'true' });
    const user = await register(server, { captcha_token: GOOD_CAPTCHA });
    provider.slowDown();
    const closed = await call(server, 'POST', '/auth/register', {
      body: { ...newUser(), captcha_token: GOOD_CAPTCHA },
    });
    expect([closed.status, closed.body.code]).toEqual([400, 'captcha_invalid']);
    const open = await call(server, 'POST', '/auth', {
      body: { username: user.username, password: user.password, captcha_token: GOOD_CAPTCHA },
    });
    expect(open.status).toBe(200);
    expect(await metric('unavailable')).toBe(2);
  }, 20_000);

  it('two-factor recovery is a password sign-in: the same gate; a Nostr key needs a CAPTCHA only to make an account; hCaptcha gets its site key', async () => {
    provider = await captchaStandIn();
    server = await startServer({ ...provider.env, CAPTCHA_PROVIDER: 'hcaptcha', CAPTCHA_AFTER_FAILURES: '0' });
    const user = await register(server, { captcha_token: GOOD_CAPTCHA });
    expect(provider.checks.at(-1)?.sitekey).toBe('site-key-1');
    const recover = await call(server, 'POST', '/auth/totp/recover', {
      body: { username: user.username, password: user.password, backup_code: 'aaaa-bbbb' },
    });
    expect([recover.status, recover.body.code]).toEqual([400, 'captcha_required']);
    const nostr = nostrSigner(server.clock);
    const url = `${server.service.config.publicUrl}/api/v1/auth/nostr`;
    const unknown = await call(server, 'POST', '/auth/nostr', { body: { nostr_event: nostr.proof(url) } });
    expect([unknown.status, unknown.body.code]).toEqual([400, 'captcha_required']);
    const made = await call(server, 'POST', '/auth/nostr', {
      body: { nostr_event: nostr.proof(url), captcha_token: GOOD_CAPTCHA },
    });
    expect(made.status).toBe(201);
    expect((await call(server, 'POST', '/auth/nostr', { body: { nostr_event: nostr.proof(url) } })).status).toBe(200);
  });

  it('an account made by an email code needs no second CAPTCHA (asking for the code needed one); a provider answering nonsense fails closed', async () => {
    provider = await captchaStandIn();
    server = await startServer(provider.env);
    await register(server, { captcha_token: GOOD_CAPTCHA });
    const email = 'new-person@example.test';
    await call(server, 'POST', '/auth/send-code', { body: { email, captcha_token: GOOD_CAPTCHA } });
    const code = codeIn(await waitForMail(server.dataDir, email, { match: (m) => /sign-in code/i.test(m.subject) }));
    const made = await call(server, 'POST', '/auth/verify-code', { body: { email, code } });
    expect(made.status).toBe(201);
    await provider.close();
    provider = undefined;
    const nonsense = await call(server, 'POST', '/auth/register', {
      body: { ...newUser(), captcha_token: GOOD_CAPTCHA },
    });
    expect([nonsense.status, nonsense.body.code]).toEqual([400, 'captcha_invalid']);
    expect(await metric('unavailable')).toBe(1);
  });

  it('without CAPTCHA_FAIL_OPEN_SIGNIN a provider that does not answer keeps sign-ins closed too', async () => {
    provider = await captchaStandIn();
    server = await startServer({ ...provider.env, CAPTCHA_AFTER_FAILURES: '0' });
    const user = await register(server, { captcha_token: GOOD_CAPTCHA });
    provider.slowDown();
    const closed = await call(server, 'POST', '/auth', {
      body: { username: user.username, password: user.password, captcha_token: GOOD_CAPTCHA },
    });
    expect([closed.status, closed.body.code]).toEqual([400, 'captcha_invalid']);
  }, 20_000);

  it('is off without CAPTCHA_PROVIDER, and a half-set configuration refuses to start', async () => {
    server = await startServer();
    expect((await call(server, 'POST', '/auth/register', { body: newUser() })).status).toBe(201);
    await expect(startServer({ CAPTCHA_PROVIDER: 'turnstile' })).rejects.toThrow(/CAPTCHA_SECRET/);
  });
});
