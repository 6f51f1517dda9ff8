import { randomUUID } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { createEventCodec } from '../../src/events/codec.js';
import { createSqliteKeyStore } from '../../src/infra/keystore/sqlite.js';
import { openSqliteDatabase } from '../../src/infra/sqlite/database.js';
import {
  toWebhookEvent,
  WEBHOOK_CATALOGUE,
  WEBHOOK_EVENT_TYPES,
  webhookEventSchemas,
  type WebhookEvent,
} from '../../src/webhooks/catalogue.js';
import {
  aclId,
  adminId,
  catalogueCases,
  decoded,
  keyId,
  PERSONAL_VALUES,
  SECRET_VALUES,
  userId,
} from '../support/webhook-events.js';

const PERSONAL_KEYS = ['username', 'email', 'display_name', 'first_name', 'last_name', 'name', 'identity_id'];
const SECRET_KEY = /hash|secret|usrkey|claim|useragent|user_agent|prefix|^ip$|_ip$|^device$|network/i;

/** Every key of a JSON value, however deep. */
const keysOf = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.flatMap(keysOf)
    : value && typeof value === 'object'
      ? Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)])
      : [];

// ajv-formats is CommonJS: its default export is the function (as test/support/contract.ts reads it).
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
const schemas = webhookEventSchemas();
const validate = (event: WebhookEvent) => {
  const check = ajv.compile(schemas[event.type]);
  return check(JSON.parse(JSON.stringify(event))) ? null : check.errors;
};

describe('webhook event catalogue', () => {
  it('has an entry, a schema and a source for each event type, and the cases cover every one', () => {
    expect(new Set(catalogueCases().map((c) => c.type))).toEqual(new Set(WEBHOOK_EVENT_TYPES));
    for (const type of WEBHOOK_EVENT_TYPES) {
      expect(schemas[type]).toMatchObject({ type: 'object', additionalProperties: false });
      expect(WEBHOOK_CATALOGUE[type].from.length).toBeGreaterThan(0);
      expect(WEBHOOK_CATALOGUE[type].description).not.toBe('');
    }
    expect(WEBHOOK_CATALOGUE['acl_token.revoked'].from).toEqual(['AclTokenRevoked', 'AclDeleted']);
  });

  for (const includePersonalData of [false, true]) {
    it(`maps each domain event to its webhook event, valid by its own schema (include_personal_data ${includePersonalData})`, () => {
      for (const { event, type } of catalogueCases()) {
        const hook = toWebhookEvent(event, { includePersonalData });
        expect(hook, event.type).not.toBeNull();
        expect(hook!).toMatchObject({ id: event.id, type, timestamp: '2025-03-01T12:00:00.000Z' });
        expect(hook!.position).toBe(event.position.toString());
        expect(hook!.data.user_id, event.type).toBe(userId);
        expect(validate(hook!), `${event.type} → ${type}`).toBeNull();
      }
    });

    it(`lets no secret, hash, claim, address or user agent out (include_personal_data ${includePersonalData})`, () => {
      for (const { event } of catalogueCases()) {
        const hook = toWebhookEvent(event, { includePersonalData })!;
        const json = JSON.stringify(hook);
        expect(
          keysOf(hook).filter((k) => SECRET_KEY.test(k)),
          event.type,
        ).toEqual([]);
        for (const value of SECRET_VALUES) expect(json, event.type).not.toContain(value);
      }
    });
  }

  it('carries personal fields only to endpoints that asked for them', () => {
    for (const { event } of catalogueCases()) {
      const without = toWebhookEvent(event, { includePersonalData: false })!;
      expect(
        keysOf(without.data).filter((k) => PERSONAL_KEYS.includes(k)),
        event.type,
      ).toEqual([]);
      for (const value of PERSONAL_VALUES) expect(JSON.stringify(without.data), event.type).not.toContain(value);
    }
    const created = catalogueCases().find((c) => c.type === 'user.created')!.event;
    expect(toWebhookEvent(created, { includePersonalData: true })!.data).toEqual({
      user_id: userId,
      role: 'user',
      has_password: true,
      created_by: adminId,
      invited_by: adminId,
      username: 'ada_lovelace',
      email: 'ada@example.org',
      display_name: 'Ada Lovelace',
    });
    expect(toWebhookEvent(created, { includePersonalData: false })!.data).toEqual({
      user_id: userId,
      role: 'user',
      has_password: true,
      created_by: adminId,
      invited_by: adminId,
    });
  });

  it('gives null for a personal field the codec could not open (erased), and says nothing else of it', () => {
    const event = decoded(
      `user-${userId}`,
      'UserRegistered',
      { userId, username: null, email: null, displayName: null, passwordHash: null, isAdmin: true, setupClaim: 'x' },
      ['username', 'email', 'displayName'],
    );
    const hook = toWebhookEvent(event, { includePersonalData: true })!;
    expect(hook.data).toMatchObject({ username: null, email: null, display_name: null, role: 'superadmin' });
    expect(validate(hook)).toBeNull();
    const identity = decoded(`user-${userId}`, 'IdentityLinked', { method: 'nostr', id: null, claim: 'c' }, ['id']);
    expect(toWebhookEvent(identity, { includePersonalData: true })!.data).toEqual({
      user_id: userId,
      method: 'nostr',
      identity_id: null,
    });
  });

  it('reads nothing personal of an erased account through the real codec', async () => {
    const keys = createSqliteKeyStore(openSqliteDatabase(':memory:'));
    const codec = createEventCodec(keys);
    const id = randomUUID();
    const stream = `user-${id}`;
    const context = { commandId: randomUUID(), correlationId: 'c', actor: id, ip: '10.0.0.1', userAgent: 'ua' };
    const data = {
      userId: id,
      username: 'ada_lovelace',
      usernameClaim: 'h',
      email: 'ada@example.org',
      emailClaim: 'h2',
    };
    const [encoded] = await codec.encode(
      stream,
      [{ type: 'UserRegistered', data: { ...data, displayName: 'Ada', passwordHash: null, isAdmin: false } }],
      context,
      0n,
    );
    const recorded = { ...encoded!, streamId: stream, revision: 0n, position: 7n, created: new Date() };
    const before = toWebhookEvent(await codec.decode(recorded), { includePersonalData: true })!;
    expect(before.data).toMatchObject({ username: 'ada_lovelace', email: 'ada@example.org', display_name: 'Ada' });
    await keys.destroy(id);
    codec.forget(id);
    const after = toWebhookEvent(await codec.decode(recorded), { includePersonalData: true })!;
    expect(after.data).toMatchObject({ username: null, email: null, display_name: null });
    expect(JSON.stringify(after)).not.toContain('ada_lovelace');
    expect(after.id).toBe(before.id);
  });

  it('names the ACL and the API key the events are of, and the account from the owner they name', () => {
    const cases = catalogueCases();
    const issued = toWebhookEvent(cases.find((c) => c.type === 'acl_token.issued')!.event, {
      includePersonalData: false,
    })!;
    expect(issued.data).toMatchObject({ user_id: userId, acl_id: aclId, expires_at: null });
    const deleted = toWebhookEvent(cases.find((c) => c.event.type === 'AclDeleted')!.event, {
      includePersonalData: false,
    })!;
    expect(deleted.data).toMatchObject({ acl_id: aclId, reason: 'acl_deleted' });
    expect(deleted.data.token_ids).toHaveLength(2);
    const revoked = toWebhookEvent(cases.find((c) => c.type === 'api_key.revoked')!.event, {
      includePersonalData: true,
    })!;
    expect(revoked.data).toEqual({ user_id: userId, key_id: keyId, reason: null });
  });

  it('has no webhook event for events outside the catalogue, nor for an event type on a foreign stream', () => {
    const user = `user-${userId}`;
    for (const event of [
      decoded(user, 'LoginFailed', { reason: 'password', consecutive: 1 }),
      decoded(user, 'UsrKeyIssued', { usrKey: 'k', usrHash: 'h', previousUsrHash: null }),
      decoded(user, 'BackupCodesRegenerated', { backupCodeHashes: ['h'] }),
      decoded(user, 'DevicesForgotten', { count: 0 }),
      decoded(`acl-${aclId}`, 'AclDeleted', { ownerId: userId, revokedTokenIds: [] }),
      decoded(`challenge-${randomUUID()}`, 'SessionEnded', { sessionId: 's', reason: 'logout' }),
      decoded(`acl-${aclId}`, 'AclTokenIssued', { tokenId: 't', expiresAt: null }),
    ])
      expect(toWebhookEvent(event, { includePersonalData: true }), event.type).toBeNull();
  });

  it('refuses, by its schema, a payload with a field the catalogue does not name', () => {
    const hook = toWebhookEvent(catalogueCases()[0]!.event, { includePersonalData: false })!;
    expect(validate({ ...hook, data: { ...hook.data, password_hash: 'x' } })).not.toBeNull();
    expect(validate({ ...hook, extra: 1 } as WebhookEvent)).not.toBeNull();
  });
});
