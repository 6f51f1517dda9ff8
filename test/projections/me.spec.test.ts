import { describe, it } from 'vitest';
import type { UserEvent } from '../../domain/user/events.js';
import { meProjection, USERS } from '../../projections/me.js';
import { at, expectEveryHandledTypeWrites, inStream, projectionSpec } from '../support/projection.js';

const given = projectionSpec(meProjection);

const ALICE = '0a11ce00-0000-4000-8000-000000000001';
const BOB = '0b0b0000-0000-4000-8000-000000000002';
const alice = inStream<UserEvent>(`user-${ALICE}`);
const bob = inStream<UserEvent>(`user-${BOB}`);

type Registration = Extract<UserEvent, { type: 'UserRegistered' }>['data'];
const registration = (userId: string, name: string, more: Partial<Registration> = {}): UserEvent => ({
  type: 'UserRegistered',
  data: {
    userId,
    username: name,
    usernameClaim: `claim-username-${name}`,
    email: `${name}@example.test`,
    emailClaim: `claim-email-${name}`,
    displayName: name.toUpperCase(),
    passwordHash: `hash-${name}`,
    isAdmin: false,
    setupClaim: null,
    role: 'user',
    ...more,
  },
});
const aliceRegistered = (more: Partial<Registration> = {}) => alice(registration(ALICE, 'alice', more));

/** Alice's user object right after her registration at position 1, with `changes` on top. */
const aliceDoc = (changes: Record<string, unknown> = {}) => ({
  _id: ALICE,
  username: 'alice',
  email: 'alice@example.test',
  email_verified: false,
  display_name: 'ALICE',
  is_admin: false,
  role: 'user',
  must_reset_password: false,
  first_name: null,
  last_name: null,
  disabled: false,
  totp_enabled: false,
  has_password: true,
  auth_methods: ['password'],
  identities: [],
  passkeys: {},
  created_at: at(1),
  updated_at: at(1),
  ...changes,
});

const PUBKEY_1 = 'a'.repeat(64);
const PUBKEY_2 = 'b'.repeat(64);
const linked = (method: string, id: string) =>
  alice({ type: 'IdentityLinked', data: { method, id, claim: `claim-${method}-${id}` } });
const unlinked = (method: string, id: string, lastOfMethod: boolean) =>
  alice({ type: 'IdentityUnlinked', data: { method, id, claim: `claim-${method}-${id}`, lastOfMethod } });
const nostrLinked = (pubkey: string) => linked('nostr', pubkey);
const nostrUnlinked = (pubkey: string, lastKey: boolean) => unlinked('nostr', pubkey, lastKey);
const lnurlLinked = (linkingKey: string) => linked('lnurl', linkingKey);
const lnurlUnlinked = (linkingKey: string, lastKey: boolean) => unlinked('lnurl', linkingKey, lastKey);
const oauthLinked = (provider: string, subject: string) => linked(`oauth:${provider}`, subject);
const oauthUnlinked = (provider: string, subject: string, lastOfProvider: boolean) =>
  unlinked(`oauth:${provider}`, subject, lastOfProvider);
const emailChanged = (email: string | null) =>
  alice({
    type: 'EmailChanged',
    data: { email, emailClaim: email && `claim-email-${email}`, previousEmailClaim: 'claim-email-alice' },
  });
const emailVerified = (emailClaim = 'claim-email-alice') => alice({ type: 'EmailVerified', data: { emailClaim } });

describe('me projection: the user object of GET /auth/me', () => {
  it('a registration with a password shows the account, unverified, with password as its one way in', async () => {
    await given([aliceRegistered()]).then({ [USERS]: [aliceDoc()] });
  });

  it('an account registered without a password lists no way in until it links one', async () => {
    await given([aliceRegistered({ passwordHash: null })]).then({
      [USERS]: [aliceDoc({ has_password: false, auth_methods: [] })],
    });
    await given([aliceRegistered({ passwordHash: null }), nostrLinked(PUBKEY_1)]).then({
      [USERS]: [
        aliceDoc({
          has_password: false,
          auth_methods: ['nostr'],
          identities: [{ method: 'nostr', id: PUBKEY_1 }],
          updated_at: at(2),
        }),
      ],
    });
  });

  it('takes the role from the registration, and from isAdmin in events older than roles', async () => {
    await given([
      aliceRegistered({ isAdmin: true, role: undefined }),
      bob(registration(BOB, 'bob', { role: undefined })),
    ]).then({
      [USERS]: [
        aliceDoc({ is_admin: true, role: 'superadmin' }),
        {
          ...aliceDoc(),
          _id: BOB,
          username: 'bob',
          email: 'bob@example.test',
          display_name: 'BOB',
          created_at: at(2),
          updated_at: at(2),
        },
      ],
    });
    await given([aliceRegistered({ isAdmin: true, role: 'admin', createdBy: BOB })]).then({
      [USERS]: [aliceDoc({ is_admin: true, role: 'admin' })],
    });
  });

  it('an account an admin made must reset its password until a new one is set', async () => {
    await given([aliceRegistered({ mustResetPassword: true, createdBy: BOB })]).then({
      [USERS]: [aliceDoc({ must_reset_password: true })],
    });
    await given([
      aliceRegistered({ mustResetPassword: true, createdBy: BOB }),
      alice({ type: 'PasswordChanged', data: { passwordHash: 'hash-new', initial: false } }),
    ]).then({
      [USERS]: [aliceDoc({ updated_at: at(2) })],
    });
  });

  it('a first password set on a passwordless account adds password as a way in', async () => {
    await given([
      aliceRegistered({ passwordHash: null }),
      alice({ type: 'PasswordChanged', data: { passwordHash: 'hash-set', initial: true } }),
    ]).then({
      [USERS]: [aliceDoc({ updated_at: at(2) })],
    });
  });

  it('shows a new display name, first and last name and username, each stamping updated_at', async () => {
    await given([
      aliceRegistered(),
      alice({ type: 'DisplayNameChanged', data: { displayName: 'Al' } }),
      alice({ type: 'NameChanged', data: { firstName: 'Alice', lastName: 'Liddell' } }),
      alice({
        type: 'UsernameChanged',
        data: {
          username: 'Alice_L',
          usernameClaim: 'claim-username-alice_l',
          previousUsernameClaim: 'claim-username-alice',
        },
      }),
    ]).then({
      [USERS]: [
        aliceDoc({
          display_name: 'Al',
          first_name: 'Alice',
          last_name: 'Liddell',
          username: 'Alice_L',
          updated_at: at(4),
        }),
      ],
    });
    await given([aliceRegistered(), alice({ type: 'DisplayNameChanged', data: { displayName: null } })]).then({
      [USERS]: [aliceDoc({ display_name: null, updated_at: at(2) })],
    });
  });

  it('a verified address becomes a way in (email codes)', async () => {
    await given([aliceRegistered(), emailVerified()]).then({
      [USERS]: [aliceDoc({ email_verified: true, auth_methods: ['password', 'email'], updated_at: at(2) })],
    });
  });

  it('a changed address is unverified and no way in, until it is verified in turn', async () => {
    await given([aliceRegistered(), emailVerified(), emailChanged('alice@new.test')]).then({
      [USERS]: [aliceDoc({ email: 'alice@new.test', updated_at: at(3) })],
    });
    await given([
      aliceRegistered(),
      emailVerified(),
      emailChanged('alice@new.test'),
      emailVerified('claim-email-alice@new.test'),
    ]).then({
      [USERS]: [
        aliceDoc({
          email: 'alice@new.test',
          email_verified: true,
          auth_methods: ['password', 'email'],
          updated_at: at(4),
        }),
      ],
    });
  });

  it('a removed address shows none, and email leaves the ways in', async () => {
    await given([aliceRegistered(), emailVerified(), emailChanged(null)]).then({
      [USERS]: [aliceDoc({ email: null, updated_at: at(3) })],
    });
  });

  it('a removed password (a reclaim) leaves has_password false and password out of the ways in', async () => {
    await given([
      aliceRegistered(),
      emailVerified(),
      alice({ type: 'PasswordRemoved', data: { reason: 'account_reclaimed' } }),
    ]).then({
      [USERS]: [aliceDoc({ email_verified: true, has_password: false, auth_methods: ['email'], updated_at: at(3) })],
    });
  });

  it('shows two-factor on while it is enabled', async () => {
    const enabled = alice({ type: 'TotpEnabled', data: { secret: 'SECRET', backupCodeHashes: ['h1'] } });
    await given([aliceRegistered(), enabled]).then({ [USERS]: [aliceDoc({ totp_enabled: true, updated_at: at(2) })] });
    await given([aliceRegistered(), enabled, alice({ type: 'TotpDisabled', data: { reason: 'user' } })]).then({
      [USERS]: [aliceDoc({ updated_at: at(3) })],
    });
  });

  it('shows an account disabled by an admin, and enabled again', async () => {
    const disabled = alice({ type: 'UserDisabled', data: { by: BOB } });
    await given([aliceRegistered(), disabled]).then({ [USERS]: [aliceDoc({ disabled: true, updated_at: at(2) })] });
    await given([aliceRegistered(), disabled, alice({ type: 'UserEnabled', data: { by: BOB } })]).then({
      [USERS]: [aliceDoc({ updated_at: at(3) })],
    });
  });

  it('a granted admin is an admin, a revoked one a user again', async () => {
    const granted = alice({ type: 'AdminGranted', data: { by: BOB } });
    await given([aliceRegistered(), granted]).then({
      [USERS]: [aliceDoc({ is_admin: true, role: 'admin', updated_at: at(2) })],
    });
    await given([aliceRegistered(), granted, alice({ type: 'AdminRevoked', data: { by: BOB } })]).then({
      [USERS]: [aliceDoc({ updated_at: at(3) })],
    });
  });

  it('an unlinked Nostr key that is not the last leaves nostr among the ways in', async () => {
    await given([aliceRegistered(), nostrLinked(PUBKEY_1), nostrLinked(PUBKEY_2), nostrUnlinked(PUBKEY_1, false)]).then(
      {
        [USERS]: [
          aliceDoc({
            auth_methods: ['password', 'nostr'],
            identities: [{ method: 'nostr', id: PUBKEY_2 }],
            updated_at: at(4),
          }),
        ],
      },
    );
  });

  it('an unlinked last Nostr key leaves auth_methods', async () => {
    await given([aliceRegistered(), nostrLinked(PUBKEY_1), nostrUnlinked(PUBKEY_1, true)]).then({
      [USERS]: [aliceDoc({ updated_at: at(3) })],
    });
  });

  it('an unlinked wallet that is not the last leaves lnurl among the ways in; the last one takes it away', async () => {
    const keys = [lnurlLinked('02aa'), lnurlLinked('02bb')];
    await given([aliceRegistered(), ...keys, lnurlUnlinked('02aa', false)]).then({
      [USERS]: [
        aliceDoc({
          auth_methods: ['password', 'lnurl'],
          identities: [{ method: 'lnurl', id: '02bb' }],
          updated_at: at(4),
        }),
      ],
    });
    await given([aliceRegistered(), ...keys, lnurlUnlinked('02aa', false), lnurlUnlinked('02bb', true)]).then({
      [USERS]: [aliceDoc({ updated_at: at(5) })],
    });
  });

  it('an OAuth provider stays a way in until its last identity is unlinked, whatever other providers do', async () => {
    const linked = [oauthLinked('github', '1001'), oauthLinked('github', '1002'), oauthLinked('google', 'g-1')];
    await given([aliceRegistered(), ...linked, oauthUnlinked('github', '1001', false)]).then({
      [USERS]: [
        aliceDoc({
          auth_methods: ['password', 'oauth:github', 'oauth:google'],
          identities: [
            { method: 'oauth:github', id: '1002' },
            { method: 'oauth:google', id: 'g-1' },
          ],
          updated_at: at(5),
        }),
      ],
    });
    await given([
      aliceRegistered(),
      ...linked,
      oauthUnlinked('github', '1001', false),
      oauthUnlinked('github', '1002', true),
    ]).then({
      [USERS]: [
        aliceDoc({
          auth_methods: ['password', 'oauth:google'],
          identities: [{ method: 'oauth:google', id: 'g-1' }],
          updated_at: at(6),
        }),
      ],
    });
  });

  it('a reclaim by a proven address ends every way in that someone else set up', async () => {
    // The events of ReclaimByEmailCode on an account set up with a password, two-factor and a Nostr key.
    await given([
      aliceRegistered(),
      nostrLinked(PUBKEY_1),
      alice({ type: 'TotpEnabled', data: { secret: 'SECRET', backupCodeHashes: [] } }),
      alice({
        type: 'AccountReclaimed',
        data: { via: 'email_code', endedSessions: 0, hadPassword: true, hadTotp: true, unlinkedIdentities: 1 },
      }),
      emailVerified(),
      alice({ type: 'TotpDisabled', data: { reason: 'reclaimed' } }),
      nostrUnlinked(PUBKEY_1, true),
      alice({ type: 'PasswordRemoved', data: { reason: 'account_reclaimed' } }),
    ]).then({
      [USERS]: [aliceDoc({ email_verified: true, has_password: false, auth_methods: ['email'], updated_at: at(8) })],
    });
  });

  it('a deleted account has no user object; other accounts keep theirs', async () => {
    await given([
      aliceRegistered(),
      bob(registration(BOB, 'bob')),
      alice({ type: 'UserDeleted', data: { releasedClaims: ['claim-username-alice'] } }),
    ]).then({
      [USERS]: [
        {
          ...aliceDoc(),
          _id: BOB,
          username: 'bob',
          email: 'bob@example.test',
          display_name: 'BOB',
          created_at: at(2),
          updated_at: at(2),
        },
      ],
    });
  });

  it('an identity read back erased (its data key destroyed) adds and removes nothing', async () => {
    const erased = null as unknown as string;
    await given([aliceRegistered(), nostrLinked(erased), lnurlLinked(erased), oauthLinked('github', erased)]).then({
      [USERS]: [aliceDoc()],
    });
    await given([
      aliceRegistered(),
      nostrLinked(PUBKEY_1),
      nostrUnlinked(erased, true),
      lnurlUnlinked(erased, true),
      oauthUnlinked('github', erased, true),
    ]).then({
      [USERS]: [
        aliceDoc({
          auth_methods: ['password', 'nostr'],
          identities: [{ method: 'nostr', id: PUBKEY_1 }],
          updated_at: at(2),
        }),
      ],
    });
  });

  it('writes for every event type it handles', () => {
    expectEveryHandledTypeWrites(meProjection, [
      aliceRegistered(),
      alice({ type: 'DisplayNameChanged', data: { displayName: 'Al' } }),
      alice({ type: 'NameChanged', data: { firstName: 'A', lastName: 'L' } }),
      emailChanged('alice@new.test'),
      emailVerified(),
      alice({
        type: 'UsernameChanged',
        data: { username: 'al', usernameClaim: 'claim-username-al', previousUsernameClaim: 'claim-username-alice' },
      }),
      alice({ type: 'PasswordChanged', data: { passwordHash: 'h', initial: false } }),
      alice({ type: 'PasswordRemoved', data: { reason: 'account_reclaimed' } }),
      alice({ type: 'TotpEnabled', data: { secret: 'S', backupCodeHashes: [] } }),
      alice({ type: 'TotpDisabled', data: { reason: 'user' } }),
      alice({ type: 'UserDisabled', data: { by: BOB } }),
      alice({ type: 'UserEnabled', data: { by: BOB } }),
      alice({ type: 'AdminGranted', data: { by: BOB } }),
      alice({ type: 'AdminRevoked', data: { by: BOB } }),
      nostrLinked(PUBKEY_1),
      nostrUnlinked(PUBKEY_1, true),
      lnurlLinked('02aa'),
      lnurlUnlinked('02aa', true),
      oauthLinked('github', '1001'),
      oauthUnlinked('github', '1001', true),
      ...passkeyAdded('cred-1'),
      alice({ type: 'PasskeyRenamed', data: { credentialId: 'cred-1', name: 'Phone' } }),
      alice({ type: 'PasskeyUsed', data: { credentialId: 'cred-1', counter: 1, backedUp: true } }),
      alice({ type: 'DeviceTrusted', data: { deviceId: 'd-1', tokenHash: 'h', name: 'Firefox', expiresAt: at(40) } }),
      alice({ type: 'DeviceForgotten', data: { deviceId: 'd-1' } }),
      alice({ type: 'DevicesForgotten', data: { count: 1 } }),
      alice({ type: 'UserDeleted', data: { releasedClaims: [] } }),
    ]);
  });

  it('keeps the trusted devices (outside the user object) until they are forgotten or the password changes', async () => {
    const trusted = alice({
      type: 'DeviceTrusted',
      data: { deviceId: 'd-1', tokenHash: 'h', name: 'Firefox 128 on Linux', expiresAt: at(40) },
    });
    const device = { id: 'd-1', name: 'Firefox 128 on Linux', created_at: at(2), expires_at: at(40) };
    await given([aliceRegistered(), trusted]).then({
      [USERS]: [aliceDoc({ trusted_devices: { 'd-1': device }, updated_at: at(2) })],
    });
    await given([
      aliceRegistered(),
      trusted,
      alice({ type: 'PasswordChanged', data: { passwordHash: 'h2', initial: false } }),
    ]).then({
      [USERS]: [aliceDoc({ updated_at: at(3) })],
    });
    await given([aliceRegistered(), trusted, alice({ type: 'DeviceForgotten', data: { deviceId: 'd-1' } })]).then({
      [USERS]: [aliceDoc({ trusted_devices: {}, updated_at: at(3) })],
    });
  });

  it('lists a passkey with its name, creation and last use; it leaves with its identity', async () => {
    const passkey = {
      id: 'cred-1',
      name: 'Phone',
      created_at: at(3),
      last_used_at: at(5),
      backed_up: true,
      transports: ['internal', 'hybrid'],
    };
    await given([
      aliceRegistered(),
      ...passkeyAdded('cred-1'),
      alice({ type: 'PasskeyRenamed', data: { credentialId: 'cred-1', name: 'Phone' } }),
      alice({ type: 'PasskeyUsed', data: { credentialId: 'cred-1', counter: 1, backedUp: true } }),
    ]).then({
      [USERS]: [
        aliceDoc({
          auth_methods: ['password', 'passkey'],
          identities: [{ method: 'passkey', id: 'cred-1' }],
          passkeys: { 'cred-1': passkey },
          // A use is no change of the account.
          updated_at: at(4),
        }),
      ],
    });
    await given([aliceRegistered(), ...passkeyAdded('cred-1'), unlinked('passkey', 'cred-1', true)]).then({
      [USERS]: [aliceDoc({ updated_at: at(4) })],
    });
  });
});

/** A passkey as the domain records it: its identity, then its own facts. */
function passkeyAdded(credentialId: string) {
  return [
    linked('passkey', credentialId),
    alice({
      type: 'PasskeyAdded',
      data: {
        credentialId,
        publicKey: 'pk',
        counter: 0,
        name: 'Passkey',
        transports: ['internal', 'hybrid'],
        backedUp: false,
        deviceType: 'multiDevice',
        userHandle: 'handle',
      },
    }),
  ];
}
