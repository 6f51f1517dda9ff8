import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { userDecider } from '../../domain/user/decider.js';
import type { UserEvent } from '../../domain/user/events.js';
import { storedTypes } from '../../domain/user/upcast.js';
import { createEventCodec, type DecodedEvent } from '../../src/events/codec.js';
import { createSqliteKeyStore } from '../../src/infra/keystore/sqlite.js';
import { openSqliteDatabase } from '../../src/infra/sqlite/database.js';
import type { RecordedEvent } from '../../src/ports/event-store.js';

/**
 * Stored identity events of the shapes written before the generic pair (NostrKey…, LnurlKey…,
 * OAuthIdentity…) are read as IdentityLinked / IdentityUnlinked: sealed as they were, opened by
 * the codec, then upcast.
 */
describe('upcasting the per-method identity events of older versions', () => {
  const PUBKEY = 'AbCd'.repeat(16);
  const LINKING_KEY = `02${'ef'.repeat(32)}`;
  const legacy: { type: string; data: Record<string, unknown> }[] = [
    { type: 'NostrKeyLinked', data: { pubkey: PUBKEY, claim: 'unique-nostr-1' } },
    { type: 'LnurlKeyLinked', data: { linkingKey: LINKING_KEY, claim: 'unique-lnurl-1' } },
    { type: 'OAuthIdentityLinked', data: { provider: 'github', subject: 'Sub-7', claim: 'unique-oauth-1' } },
    { type: 'OAuthIdentityLinked', data: { provider: 'github', subject: 'Sub-8', claim: 'unique-oauth-2' } },
    { type: 'NostrKeyUnlinked', data: { pubkey: PUBKEY, claim: 'unique-nostr-1', lastKey: true } },
    {
      type: 'OAuthIdentityUnlinked',
      data: { provider: 'github', subject: 'Sub-7', claim: 'unique-oauth-1', lastOfProvider: false },
    },
  ];

  const storedAndRead = async () => {
    const keys = createSqliteKeyStore(openSqliteDatabase(':memory:'));
    const codec = createEventCodec(keys);
    const userId = randomUUID();
    const stream = `user-${userId}`;
    const context = { commandId: randomUUID(), correlationId: 'c', actor: userId, ip: null, userAgent: null };
    const encoded = await codec.encode(stream, legacy, context, 0n);
    const recorded: RecordedEvent[] = encoded.map((event, i) => ({
      ...event,
      streamId: stream,
      revision: BigInt(i),
      position: BigInt(i + 1),
      created: new Date('2026-06-01T12:00:00Z'),
    }));
    return { keys, codec, userId, recorded };
  };

  it('reads each as the generic event with the method, the id and the same claim; the id stays sealed at rest', async () => {
    const { codec, recorded } = await storedAndRead();
    expect(JSON.stringify(recorded.map((event) => event.data))).not.toContain('Sub-7');
    expect(JSON.stringify(recorded.map((event) => event.data))).not.toContain(PUBKEY);
    const decoded = await Promise.all(recorded.map((event) => codec.decode(event)));
    expect(decoded.map(({ type, data }) => ({ type, data }))).toEqual([
      { type: 'IdentityLinked', data: { method: 'nostr', id: PUBKEY.toLowerCase(), claim: 'unique-nostr-1' } },
      { type: 'IdentityLinked', data: { method: 'lnurl', id: LINKING_KEY, claim: 'unique-lnurl-1' } },
      { type: 'IdentityLinked', data: { method: 'oauth:github', id: 'Sub-7', claim: 'unique-oauth-1' } },
      { type: 'IdentityLinked', data: { method: 'oauth:github', id: 'Sub-8', claim: 'unique-oauth-2' } },
      {
        type: 'IdentityUnlinked',
        data: { method: 'nostr', id: PUBKEY.toLowerCase(), claim: 'unique-nostr-1', lastOfMethod: true },
      },
      {
        type: 'IdentityUnlinked',
        data: { method: 'oauth:github', id: 'Sub-7', claim: 'unique-oauth-1', lastOfMethod: false },
      },
    ]);
  });

  it('the account folded from them holds what is left, and unlinks it by the generic command', async () => {
    const { codec, recorded } = await storedAndRead();
    const events = (await Promise.all(recorded.map((event) => codec.decode(event)))) as unknown as (DecodedEvent &
      UserEvent)[];
    const registered: UserEvent = {
      type: 'UserRegistered',
      data: {
        userId: 'u',
        username: 'ada',
        usernameClaim: 'unique-username-ada',
        email: null,
        emailClaim: null,
        displayName: null,
        passwordHash: 'h',
        isAdmin: false,
        setupClaim: null,
      },
    };
    const state = [registered, ...events].reduce(userDecider.evolve, userDecider.initialState());
    expect([...state.identities.values()]).toEqual([
      { method: 'lnurl', id: LINKING_KEY, claim: 'unique-lnurl-1' },
      { method: 'oauth:github', id: 'Sub-8', claim: 'unique-oauth-2' },
    ]);
    expect(
      userDecider.decide(
        { type: 'UnlinkIdentity', data: { method: 'oauth:github', id: 'Sub-8', usrLoginAllowed: false } },
        state,
      ),
    ).toEqual([
      {
        type: 'IdentityUnlinked',
        data: { method: 'oauth:github', id: 'Sub-8', claim: 'unique-oauth-2', lastOfMethod: true },
      },
    ]);
  });

  it('after erasure the id reads null and is listed as erased under its new name', async () => {
    const { keys, codec, userId, recorded } = await storedAndRead();
    await keys.destroy(userId);
    codec.forget(userId);
    const first = await codec.decode(recorded[0]!);
    expect(first.type).toBe('IdentityLinked');
    expect(first.data).toEqual({ method: 'nostr', id: null, claim: 'unique-nostr-1' });
    expect(first.erased).toEqual(['id']);
  });

  it('filters on stored types reach the legacy types of the generic ones', () => {
    expect(new Set(storedTypes(['IdentityLinked', 'UserDeleted']))).toEqual(
      new Set(['IdentityLinked', 'UserDeleted', 'NostrKeyLinked', 'LnurlKeyLinked', 'OAuthIdentityLinked']),
    );
  });
});
