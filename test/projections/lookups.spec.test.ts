import { describe, it } from 'vitest';
import type { UserEvent } from '../../domain/user/events.js';
import { LOOKUPS, lookupsProjection } from '../../projections/lookups.js';
import { expectEveryHandledTypeWrites, inStream, projectionSpec } from '../support/projection.js';

const given = projectionSpec(lookupsProjection);

const ALICE = '0a11ce00-0000-4000-8000-000000000001';
const BOB = '0b0b0000-0000-4000-8000-000000000002';
const alice = inStream<UserEvent>(`user-${ALICE}`);
const bob = inStream<UserEvent>(`user-${BOB}`);

type Registration = Extract<UserEvent, { type: 'UserRegistered' }>['data'];
const registration = (
  userId: string,
  username: string,
  email: string | null,
  more: Partial<Registration> = {},
): UserEvent => ({
  type: 'UserRegistered',
  data: {
    userId,
    username,
    usernameClaim: `claim-username-${username}`,
    email,
    emailClaim: email && `claim-email-${email}`,
    displayName: null,
    passwordHash: 'hash',
    isAdmin: false,
    setupClaim: null,
    role: 'user',
    ...more,
  },
});
const aliceRegistered = (email: string | null = 'Alice@Example.test') => alice(registration(ALICE, 'Alice', email));
const bobRegistered = () => bob(registration(BOB, 'bob', 'bob@example.test'));

/** A lookup document: the key a login looks up, and whose account it finds. */
const toAlice = (key: string) => ({ _id: key, userId: ALICE });
const toBob = (key: string) => ({ _id: key, userId: BOB });

// Login methods lower-case hex keys before linking (and the upcaster lower-cases stored legacy events).
const PUBKEY = 'abcd'.repeat(16);
const usrIssued = (usrHash: string, previousUsrHash: string | null) =>
  alice({ type: 'UsrKeyIssued', data: { usrKey: `usr-key-${usrHash}`, usrHash, previousUsrHash } });
const emailChanged = (email: string | null) =>
  alice({
    type: 'EmailChanged',
    data: { email, emailClaim: email && `claim-email-${email}`, previousEmailClaim: 'claim-email-alice@example.test' },
  });
const linked = (method: string, id: string) =>
  alice({ type: 'IdentityLinked', data: { method, id, claim: `claim-${method}-${id}` } });
const unlinked = (method: string, id: string) =>
  alice({ type: 'IdentityUnlinked', data: { method, id, claim: `claim-${method}-${id}`, lastOfMethod: true } });
const nostrLinked = (pubkey: string) => linked('nostr', pubkey);
const nostrUnlinked = (pubkey: string) => unlinked('nostr', pubkey);
const lnurlLinked = (linkingKey: string) => linked('lnurl', linkingKey);
const lnurlUnlinked = (linkingKey: string) => unlinked('lnurl', linkingKey);
const oauthLinked = (provider: string, subject: string) => linked(`oauth:${provider}`, subject);
const oauthUnlinked = (provider: string, subject: string) => unlinked(`oauth:${provider}`, subject);
const aliceDeleted = () => alice({ type: 'UserDeleted', data: { releasedClaims: [] } });

describe('lookups projection: username, email, user key and identities → account, for logins', () => {
  it('a registration makes the username and the address find the account, in lower case', async () => {
    await given([aliceRegistered()]).then({
      [LOOKUPS]: [toAlice('username:alice'), toAlice('email:alice@example.test')],
    });
  });

  it('an account without an address is found by its username only', async () => {
    await given([aliceRegistered(null)]).then({ [LOOKUPS]: [toAlice('username:alice')] });
  });

  it('a rename moves the username lookup: the old name finds nobody', async () => {
    await given([
      aliceRegistered(),
      alice({
        type: 'UsernameChanged',
        data: {
          username: 'Liddell',
          usernameClaim: 'claim-username-liddell',
          previousUsernameClaim: 'claim-username-alice',
        },
      }),
    ]).then({ [LOOKUPS]: [toAlice('username:liddell'), toAlice('email:alice@example.test')] });
  });

  it('a rename to the same name in another case keeps one lookup', async () => {
    await given([
      aliceRegistered(),
      alice({
        type: 'UsernameChanged',
        data: {
          username: 'ALICE',
          usernameClaim: 'claim-username-Alice',
          previousUsernameClaim: 'claim-username-Alice',
        },
      }),
    ]).then({ [LOOKUPS]: [toAlice('username:alice'), toAlice('email:alice@example.test')] });
  });

  it('a changed address moves the email lookup; a removed one leaves none', async () => {
    await given([aliceRegistered(), emailChanged('Alice@New.test')]).then({
      [LOOKUPS]: [toAlice('username:alice'), toAlice('email:alice@new.test')],
    });
    await given([aliceRegistered(), emailChanged(null)]).then({ [LOOKUPS]: [toAlice('username:alice')] });
  });

  it("a changed address leaves another account's lookups alone", async () => {
    await given([aliceRegistered(), bobRegistered(), emailChanged('alice@new.test')]).then({
      [LOOKUPS]: [
        toAlice('username:alice'),
        toAlice('email:alice@new.test'),
        toBob('username:bob'),
        toBob('email:bob@example.test'),
      ],
    });
  });

  it('a user key is found by its hash, and a new key replaces the old one', async () => {
    await given([aliceRegistered(null), usrIssued('hash-1', null)]).then({
      [LOOKUPS]: [toAlice('username:alice'), toAlice('usr:hash-1')],
    });
    await given([aliceRegistered(null), usrIssued('hash-1', null), usrIssued('hash-2', 'hash-1')]).then({
      [LOOKUPS]: [toAlice('username:alice'), toAlice('usr:hash-2')],
    });
  });

  it('a linked Nostr key or wallet finds the account by its key until it is unlinked', async () => {
    await given([aliceRegistered(null), nostrLinked(PUBKEY), lnurlLinked('02abcdef')]).then({
      [LOOKUPS]: [toAlice('username:alice'), toAlice(`nostr:${PUBKEY.toLowerCase()}`), toAlice('lnurl:02abcdef')],
    });
    await given([
      aliceRegistered(null),
      nostrLinked(PUBKEY),
      lnurlLinked('02abcdef'),
      nostrUnlinked(PUBKEY),
      lnurlUnlinked('02abcdef'),
    ]).then({
      [LOOKUPS]: [toAlice('username:alice')],
    });
  });

  it('an OAuth identity is found by provider and exact subject until it is unlinked', async () => {
    await given([aliceRegistered(null), oauthLinked('github', 'Sub-1'), oauthLinked('google', 'sub-1')]).then({
      [LOOKUPS]: [toAlice('username:alice'), toAlice('oauth:github:Sub-1'), toAlice('oauth:google:sub-1')],
    });
    await given([
      aliceRegistered(null),
      oauthLinked('github', 'Sub-1'),
      oauthLinked('google', 'sub-1'),
      oauthUnlinked('github', 'Sub-1'),
    ]).then({
      [LOOKUPS]: [toAlice('username:alice'), toAlice('oauth:google:sub-1')],
    });
  });

  it('an unlink removes only the lookup held by that account', async () => {
    // The account is part of the filter: an unlink on Alice's stream takes nothing from Bob, who holds the key now.
    await given([
      aliceRegistered(null),
      bobRegistered(),
      bob({ type: 'IdentityLinked', data: { method: 'nostr', id: PUBKEY, claim: 'claim-nostr' } }),
      nostrUnlinked(PUBKEY),
    ]).then({
      [LOOKUPS]: [
        toAlice('username:alice'),
        toBob('username:bob'),
        toBob('email:bob@example.test'),
        toBob(`nostr:${PUBKEY.toLowerCase()}`),
      ],
    });
  });

  it('a deleted account is found by nothing any more; other accounts still are', async () => {
    await given([
      aliceRegistered(),
      usrIssued('hash-1', null),
      nostrLinked(PUBKEY),
      lnurlLinked('02ab'),
      oauthLinked('github', '1001'),
      bobRegistered(),
      aliceDeleted(),
    ]).then({ [LOOKUPS]: [toBob('username:bob'), toBob('email:bob@example.test')] });
  });

  it('an erased account replays to no lookups at all', async () => {
    // After deletion the data key is gone: personal fields read back null.
    const erased = null as unknown as string;
    await given([
      alice(registration(ALICE, erased, null)),
      nostrLinked(erased),
      oauthLinked('github', erased),
      lnurlLinked(erased),
    ]).then({ [LOOKUPS]: [] });
    await given([alice(registration(ALICE, erased, null)), usrIssued('hash-1', null), aliceDeleted()]).then({
      [LOOKUPS]: [],
    });
  });

  it('writes for every event type it handles', () => {
    expectEveryHandledTypeWrites(lookupsProjection, [
      aliceRegistered(),
      emailChanged('alice@new.test'),
      alice({
        type: 'UsernameChanged',
        data: { username: 'al', usernameClaim: 'claim-username-al', previousUsernameClaim: 'claim-username-alice' },
      }),
      usrIssued('hash-1', null),
      nostrLinked(PUBKEY),
      nostrUnlinked(PUBKEY),
      lnurlLinked('02ab'),
      lnurlUnlinked('02ab'),
      oauthLinked('github', '1001'),
      oauthUnlinked('github', '1001'),
      aliceDeleted(),
    ]);
  });
});
