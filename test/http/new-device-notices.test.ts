import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, TestClock, type TestServer } from '../support/server.js';
import { codeIn, mailbox, waitForMail, type Mail } from '../support/mail.js';
import { codeAt, enableTotp } from '../support/totp.js';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const FIREFOX_NEXT = 'Mozilla/5.0 (X11; Linux x86_64; rv:129.0) Gecko/20100101 Firefox/129.0';
const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const HOME = '192.0.2.10';
const ELSEWHERE = '198.51.100.7';
const DAY = 24 * 3_600_000;

const from = (userAgent: string, ip: string) => ({ 'user-agent': userAgent, 'x-forwarded-for': ip });
const isNotice = (mail: Mail) => /^New sign-in to your/.test(mail.subject);
const wasntMeTokenIn = (mail: Mail) => decodeURIComponent(/\/wasnt-me\?token=(\S+)/.exec(mail.text)?.[1] ?? '') || null;

describe('new-device sign-in notices', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  /** An account registered (and so first signed in) from Firefox at home, with its address verified. */
  async function account(env: Record<string, string> = {}) {
    server = await startServer({ TRUST_PROXY: 'loopback', ...env }, { clock: new TestClock() });
    await register(server); // the first account is the superadmin
    const user = await register(server, {}, from(FIREFOX, HOME));
    const sent = await call(server, 'POST', '/auth/me/send-otp', { token: user.token });
    const code = codeIn(await waitForMail(server.dataDir, user.email));
    const verified = await call(server, 'POST', '/auth/verify-otp', {
      body: { otp: code, otp_session: sent.body.otp_session },
    });
    expect(verified.status).toBe(200);
    const signIn = (headers: Record<string, string>, body: Record<string, unknown> = {}) =>
      call(server, 'POST', '/auth', { headers, body: { username: user.username, password: user.password, ...body } });
    const noticesIn = async (token: string) =>
      (await call(server, 'GET', '/auth/me/history?limit=100', { token })).body.filter(
        (entry: { type: string }) => entry.type === 'NewDeviceSignIn',
      ).length;
    return { user, signIn, noticesIn };
  }

  it('a new browser and network gets a notice (when, device, network, way in, link); a known one, an update, or the first sign-in none', async () => {
    const { user, signIn, noticesIn } = await account();
    // Registration was the first sign-in: nothing to compare with, no notice.
    expect(await noticesIn(user.token)).toBe(0);
    expect((await signIn(from(FIREFOX, HOME))).status).toBe(200);
    expect((await signIn(from(FIREFOX_NEXT, '192.0.2.77'))).status).toBe(200); // an update, the same /24
    expect(await noticesIn(user.token)).toBe(0);

    const stranger = await signIn(from(CHROME_WINDOWS, ELSEWHERE));
    expect(stranger.status).toBe(200);
    expect(await noticesIn(user.token)).toBe(1);
    const mail = await waitForMail(server.dataDir, user.email, { match: isNotice });
    expect(mail.text).toContain(server.clock.now().toISOString().slice(0, 16).replace('T', ' '));
    expect(mail.text).toContain('Chrome 131 on Windows');
    expect(mail.text).toContain('198.51.100.0/24');
    expect(mail.text).toContain('a password');
    expect(wasntMeTokenIn(mail)).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]+$/);
    // The same browser elsewhere is new too; the stranger's device is known now.
    expect((await signIn(from(FIREFOX, ELSEWHERE))).status).toBe(200);
    expect((await signIn(from(CHROME_WINDOWS, ELSEWHERE))).status).toBe(200);
    expect(await noticesIn(user.token)).toBe(2);
  });

  it('a device not seen for 90 days is new again; NEW_DEVICE_NOTICES=false sends none', async () => {
    const { user, signIn, noticesIn } = await account();
    server.clock.advance(89 * DAY);
    const known = await signIn(from(FIREFOX, HOME));
    expect(await noticesIn(known.body.access_token)).toBe(0);
    server.clock.advance(91 * DAY);
    const late = await signIn(from(FIREFOX, HOME));
    expect(await noticesIn(late.body.access_token)).toBe(1);
    await server.close();

    const off = await account({ NEW_DEVICE_NOTICES: 'false' });
    expect((await off.signIn(from(CHROME_WINDOWS, ELSEWHERE))).status).toBe(200);
    expect(await off.noticesIn(off.user.token)).toBe(0);
  });

  it('a device the account trusts (its token or cookie) is not new, wherever it signs in from', async () => {
    const { user, signIn, noticesIn } = await account();
    const { secret } = await enableTotp(server, user.token);
    server.clock.advance(30_000);
    const remembered = await signIn(from(FIREFOX, HOME), {
      totp_code: await codeAt(secret, server.clock),
      remember_device: true,
    });
    const deviceToken = remembered.body.device_token as string;
    expect((await signIn(from(CHROME_WINDOWS, ELSEWHERE), { device_token: deviceToken })).status).toBe(200);
    expect((await signIn({ ...from(FIREFOX, '203.0.113.9'), cookie: `accounts_device=${deviceToken}` })).status).toBe(
      200,
    );
    expect(await noticesIn(user.token)).toBe(0);
  });

  it('"this wasn\'t me" ends every session, forgets devices, revokes keys and tokens, replaces the user key, forces a reset, tells the owner; once', async () => {
    const { user, signIn } = await account();
    const usr = user.answer.body.usr as string;
    const { secret } = await enableTotp(server, user.token);
    server.clock.advance(30_000);
    await signIn(from(FIREFOX, HOME), { totp_code: await codeAt(secret, server.clock), remember_device: true });
    const apiKey = (await call(server, 'POST', '/auth/me/tokens', { token: user.token, body: { name: 'ci' } })).body;
    const acl = await call(server, 'POST', '/auth/acls', {
      token: user.token,
      body: { name: 'read', allowed_endpoints: ['GET /x'] },
    });
    const aclToken = (await call(server, 'POST', `/auth/acls/${acl.body.id}/tokens`, { token: user.token, body: {} }))
      .body;
    server.clock.advance(60_000);
    const stranger = await signIn(from(CHROME_WINDOWS, ELSEWHERE), { totp_code: await codeAt(secret, server.clock) });
    expect(stranger.status).toBe(200);
    const token = wasntMeTokenIn(await waitForMail(server.dataDir, user.email, { match: isNotice }))!;

    // Opening the page spends nothing: it only shows a button.
    const page = await fetch(`${server.url}/wasnt-me?token=${encodeURIComponent(token)}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Secure my account');

    const secured = await call(server, 'POST', '/auth/wasnt-me', { body: { token } });
    expect(secured.status).toBe(200);
    expect(secured.body).toMatchObject({ ended_sessions: 3, forgotten_devices: 1, revoked_credentials: 2 });
    for (const session of [user.token, stranger.body.access_token])
      expect((await call(server, 'GET', '/auth/me', { token: session })).status).toBe(401);
    expect((await call(server, 'GET', `/auth/verify-token?token=${apiKey.token}`)).body).toEqual({ valid: false });
    expect((await call(server, 'GET', `/auth/verify-token?token=${aclToken.token}`)).body).toEqual({ valid: false });
    expect((await call(server, 'POST', '/auth/usr', { body: { usr } })).body.code).toBe('invalid_credentials');

    // The right password no longer signs in (a wrong one is still just wrong); a reset by mail lifts it.
    server.clock.advance(30_000);
    const refused = await signIn(from(FIREFOX, HOME), { totp_code: await codeAt(secret, server.clock) });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('password_reset_required');
    expect((await signIn(from(FIREFOX, HOME), { password: 'Not-the-password-1' })).body.code).toBe(
      'invalid_credentials',
    );
    const told = await waitForMail(server.dataDir, user.email, {
      match: (mail) => /was secured/.test(mail.subject),
    });
    expect(told.text).toContain('ended 3 sessions, forgot 1 trusted device, revoked 2 API keys and ACL tokens');

    // Single use.
    const again = await call(server, 'POST', '/auth/wasnt-me', { body: { token } });
    expect([again.status, again.body.code]).toEqual([410, 'challenge_used']);

    await call(server, 'POST', '/auth/reset-password', { body: { email: user.email } });
    const reset = await waitForMail(server.dataDir, user.email, { match: (mail) => /Reset your/.test(mail.subject) });
    const resetToken = decodeURIComponent(/reset-password\?token=(\S+)/.exec(reset.text)![1]!);
    const newPassword = 'A-fresh-sturdy-pass-42';
    expect(
      (
        await call(server, 'PUT', '/auth/reset-password', {
          body: { reset_token: resetToken, new_password: newPassword },
        })
      ).status,
    ).toBe(200);
    server.clock.advance(30_000);
    const back = await signIn(from(FIREFOX, HOME), {
      password: newPassword,
      totp_code: await codeAt(secret, server.clock),
    });
    expect(back.status).toBe(200);
    const history = (await call(server, 'GET', '/auth/me/history?limit=100', { token: back.body.access_token })).body;
    expect(history.map((entry: { type: string }) => entry.type)).toContain('SignInDisowned');
  });

  it('every way in is compared (the user key here); without a verified address the notice has nobody to go to', async () => {
    server = await startServer({ TRUST_PROXY: 'loopback' }, { clock: new TestClock() });
    await register(server);
    const user = await register(server, {}, from(FIREFOX, HOME));
    const usr = user.answer.body.usr as string;
    const byKey = await call(server, 'POST', '/auth/usr', { headers: from(CHROME_WINDOWS, ELSEWHERE), body: { usr } });
    expect(byKey.status).toBe(200);
    const history = (await call(server, 'GET', '/auth/me/history?limit=100', { token: user.token })).body;
    expect(history.filter((entry: { type: string }) => entry.type === 'NewDeviceSignIn')).toHaveLength(1);
    // Verified now: the next new device is mailed, and it is the only notice (the jobs run in order).
    const sent = await call(server, 'POST', '/auth/me/send-otp', { token: user.token });
    const code = codeIn(await waitForMail(server.dataDir, user.email));
    await call(server, 'POST', '/auth/verify-otp', { body: { otp: code, otp_session: sent.body.otp_session } });
    await call(server, 'POST', '/auth/usr', { headers: from(FIREFOX, '203.0.113.9'), body: { usr } });
    const mail = await waitForMail(server.dataDir, user.email, { match: isNotice });
    expect(mail.text).toContain('the user key');
    expect(mail.text).toContain('203.0.113.0/24');
    expect((await mailbox(server.dataDir)).filter(isNotice)).toHaveLength(1);
  });

  it('the notice goes to the address verified at the sign-in, even when it is changed right after', async () => {
    const { user, signIn } = await account();
    const stranger = await signIn(from(CHROME_WINDOWS, ELSEWHERE));
    const moved = await call(server, 'PUT', '/auth/me', {
      token: stranger.body.access_token,
      body: { email: 'stranger@example.test', password: user.password },
    });
    expect(moved.status).toBe(200);
    expect(wasntMeTokenIn(await waitForMail(server.dataDir, user.email, { match: isNotice }))).not.toBeNull();
  });

  it('after "this wasn\'t me" every device is new again: the stranger\'s next sign-in is noticed too', async () => {
    const { user, signIn, noticesIn } = await account();
    await signIn(from(CHROME_WINDOWS, ELSEWHERE));
    const token = wasntMeTokenIn(await waitForMail(server.dataDir, user.email, { match: isNotice }))!;
    expect((await call(server, 'POST', '/auth/wasnt-me', { body: { token } })).status).toBe(200);
    await call(server, 'POST', '/auth/reset-password', { body: { email: user.email } });
    const reset = await waitForMail(server.dataDir, user.email, { match: (mail) => /Reset your/.test(mail.subject) });
    const resetToken = decodeURIComponent(/reset-password\?token=(\S+)/.exec(reset.text)![1]!);
    await call(server, 'PUT', '/auth/reset-password', {
      body: { reset_token: resetToken, new_password: 'A-fresh-sturdy-pass-42' },
    });
    const again = await signIn(from(CHROME_WINDOWS, ELSEWHERE), { password: 'A-fresh-sturdy-pass-42' });
    expect(again.status).toBe(200);
    expect(await noticesIn(again.body.access_token)).toBe(2);
  });

  it('two presses at once act once', async () => {
    const { user, signIn } = await account();
    await signIn(from(CHROME_WINDOWS, ELSEWHERE));
    const token = wasntMeTokenIn(await waitForMail(server.dataDir, user.email, { match: isNotice }))!;
    const answers = await Promise.all([1, 2, 3].map(() => call(server, 'POST', '/auth/wasnt-me', { body: { token } })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 410, 410]);
    await call(server, 'POST', '/auth/reset-password', { body: { email: user.email } });
    const reset = await waitForMail(server.dataDir, user.email, { match: (mail) => /Reset your/.test(mail.subject) });
    const resetToken = decodeURIComponent(/reset-password\?token=(\S+)/.exec(reset.text)![1]!);
    await call(server, 'PUT', '/auth/reset-password', {
      body: { reset_token: resetToken, new_password: 'A-fresh-sturdy-pass-42' },
    });
    const back = await signIn(from(FIREFOX, HOME), { password: 'A-fresh-sturdy-pass-42' });
    const history = (await call(server, 'GET', '/auth/me/history?limit=100', { token: back.body.access_token })).body;
    expect(history.filter((entry: { type: string }) => entry.type === 'SignInDisowned')).toHaveLength(1);
  });

  it('a damaged link is refused and spent; an expired one is refused; neither changes the account', async () => {
    const { user, signIn } = await account();
    await signIn(from(CHROME_WINDOWS, ELSEWHERE));
    const token = wasntMeTokenIn(await waitForMail(server.dataDir, user.email, { match: isNotice }))!;
    const damaged = await call(server, 'POST', '/auth/wasnt-me', { body: { token: `${token.slice(0, -2)}xx` } });
    expect([damaged.status, damaged.body.code]).toEqual([401, 'invalid_credentials']);
    // Spent, and still said to be damaged (never "already used": nothing was done).
    const after = await call(server, 'POST', '/auth/wasnt-me', { body: { token } });
    expect([after.status, after.body.code]).toEqual([401, 'invalid_credentials']);
    expect((await call(server, 'POST', '/auth/wasnt-me', { body: { token: 'not-a-token' } })).status).toBe(401);
    expect((await call(server, 'GET', '/auth/me', { token: user.token })).status).toBe(200);

    await signIn(from(CHROME_WINDOWS, '203.0.113.9'));
    const second = await waitForMail(server.dataDir, user.email, { match: isNotice, after: 1 });
    server.clock.advance(7 * DAY + 1000);
    const expired = await call(server, 'POST', '/auth/wasnt-me', { body: { token: wasntMeTokenIn(second) } });
    expect([expired.status, expired.body.code]).toEqual([410, 'challenge_expired']);
    const still = await signIn(from(FIREFOX, HOME));
    expect([still.status, still.body.code]).toEqual([200, undefined]);
    expect((await mailbox(server.dataDir)).filter((mail) => /was secured/.test(mail.subject))).toEqual([]);
  });
});
