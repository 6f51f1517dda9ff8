import { afterEach, describe, expect, it } from 'vitest';
import { codeIn, waitForMail } from '../support/mail.js';
import { call, newUser, register, startPublicServer, type TestServer } from '../support/server.js';
import { lightningWallet, nostrSigner } from '../support/signers.js';

const RACERS = 20;

const wallet = lightningWallet;

/**
 * Every way of making an account, raced: twenty parallel attempts on one single-use invite make
 * exactly one account, and the invite ends used up (a failed attempt gives back only what it took).
 */
describe('a single-use invite makes one account under twenty parallel attempts', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  const setUp = async () => {
    server = await startPublicServer({ REGISTRATION: 'invite' });
    const admin = await register(server);
    const invite = (await call(server, 'POST', '/auth/invites', { token: admin.token, body: { uses: 1 } })).body;
    return { admin, invite: invite.token as string, inviteId: invite.id as string };
  };
  const accounts = async (adminToken: string) =>
    (await call(server, 'GET', '/admin/users?limit=100', { token: adminToken })).body.users.length as number;
  const usesLeft = async (adminToken: string, inviteId: string) =>
    (await call(server, 'GET', '/auth/invites', { token: adminToken })).body.find(
      (i: { id: string }) => i.id === inviteId,
    ).uses_left as number;
  const expectOneAccount = async (admin: { token: string }, inviteId: string) => {
    expect(await accounts(admin.token)).toBe(2); // the admin and one invited account
    expect(await usesLeft(admin.token, inviteId)).toBe(0);
  };

  it('password registrations', async () => {
    const { admin, invite, inviteId } = await setUp();
    const answers = await Promise.all(
      Array.from({ length: RACERS }, () =>
        call(server, 'POST', '/auth/register', { body: newUser({ referrer_token: invite }) }),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(
      answers
        .filter((a) => a.status !== 201)
        .every((a) => a.body.code === 'invite_required' || a.body.code === 'conflict'),
    ).toBe(true);
    await expectOneAccount(admin, inviteId);
  });

  it('Nostr keys', async () => {
    const { admin, invite, inviteId } = await setUp();
    // Twenty different keys, each new: twenty attempts at making an account.
    const proof = () => nostrSigner(server.clock).proof(`${server.api}/auth/nostr`);
    const answers = await Promise.all(
      Array.from({ length: RACERS }, () =>
        call(server, 'POST', '/auth/nostr', { body: { nostr_event: proof(), referrer_token: invite } }),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    await expectOneAccount(admin, inviteId);
  });

  it('LNURL: twenty wallets answering one k1 (the reported attack), and the poll signs into the one account made', async () => {
    const { admin, invite, inviteId } = await setUp();
    const start = await call(server, 'GET', `/auth/lnurl?referrer_token=${invite}`);
    const k1 = start.body.k1 as string;
    const wallets = Array.from({ length: RACERS }, wallet);
    const answers = await Promise.all(
      wallets.map((w) => call(server, 'GET', `/auth/lnurl/callback?tag=login&k1=${k1}&sig=${w.sign(k1)}&key=${w.key}`)),
    );
    expect(answers.filter((a) => a.body.status === 'OK')).toHaveLength(1);
    await expectOneAccount(admin, inviteId);
    const polled = await call(server, 'GET', `/auth/lnurl/${k1}`);
    expect(polled.status).toBe(200);
    const me = (await call(server, 'GET', '/auth/me', { token: polled.body.access_token })).body;
    expect(me.auth_methods).toContain('lnurl');
    // The session the poll started is the account's only one: making it started none of its own.
    expect((await call(server, 'GET', '/auth/sessions', { token: polled.body.access_token })).body).toHaveLength(1);
    expect((await call(server, 'GET', `/auth/lnurl/${k1}`)).status).toBe(410);
  });

  it('LNURL: twenty k1s carrying the invite, signed at once', async () => {
    const { admin, invite, inviteId } = await setUp();
    const starts = await Promise.all(
      Array.from({ length: RACERS }, () => call(server, 'GET', `/auth/lnurl?referrer_token=${invite}`)),
    );
    const answers = await Promise.all(
      starts.map((start) => {
        const w = wallet();
        return call(
          server,
          'GET',
          `/auth/lnurl/callback?tag=login&k1=${start.body.k1}&sig=${w.sign(start.body.k1)}&key=${w.key}`,
        );
      }),
    );
    expect(answers.filter((a) => a.body.status === 'OK')).toHaveLength(1);
    await expectOneAccount(admin, inviteId);
  });

  it('email codes: one right code sent twenty times at once, and twenty addresses at once', async () => {
    const { admin, invite, inviteId } = await setUp();
    const addresses = Array.from({ length: RACERS }, (_, i) => `racer${i}@example.test`);
    for (const email of addresses) await call(server, 'POST', '/auth/send-code', { body: { email } });
    const codes = await Promise.all(addresses.map(async (email) => codeIn(await waitForMail(server.dataDir, email))!));
    const same = await Promise.all(
      Array.from({ length: RACERS }, () =>
        call(server, 'POST', '/auth/verify-code', {
          body: { email: addresses[0], code: codes[0], referrer_token: invite },
        }),
      ),
    );
    expect(same.filter((a) => a.status === 201)).toHaveLength(1);
    await expectOneAccount(admin, inviteId);
    const others = await Promise.all(
      addresses
        .slice(1)
        .map((email, i) =>
          call(server, 'POST', '/auth/verify-code', { body: { email, code: codes[i + 1], referrer_token: invite } }),
        ),
    );
    expect(others.filter((a) => a.status === 201)).toHaveLength(0);
    await expectOneAccount(admin, inviteId);
  });
});
