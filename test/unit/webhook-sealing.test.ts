import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { webhookStream, webhookSubject, type WebhookEvent } from '../../domain/webhook/decider.js';
import { createEventCodec } from '../../src/events/codec.js';
import { createSqliteKeyStore } from '../../src/infra/keystore/sqlite.js';
import { openSqliteDatabase } from '../../src/infra/sqlite/database.js';

/** A webhook endpoint's signing secrets are sealed under the endpoint's own key, and die with it. */
describe('webhook secrets at rest', () => {
  it('are sealed in the stored event, readable through the codec, and unreadable once the key is destroyed', async () => {
    const db = openSqliteDatabase(join(mkdtempSync(join(tmpdir(), 'hook-seal-')), 'a.db'));
    const keys = createSqliteKeyStore(db);
    const codec = createEventCodec(keys);
    const stream = webhookStream('e1');
    const event: WebhookEvent = {
      type: 'WebhookSecretRotated',
      data: { secret: 'whsec_new', previousSecret: 'whsec_old', previousValidUntil: '2026-12-04T00:00:00Z', by: 'a' },
    };
    const context = { commandId: randomUUID(), correlationId: randomUUID(), actor: 'a', ip: null, userAgent: null };
    const [stored] = await codec.encode(stream, [event], context, 0n);
    expect(JSON.stringify(stored!.data)).not.toContain('whsec_');
    const recorded = { ...stored!, streamId: stream, revision: 0n, position: 1n, created: new Date() };
    expect((await codec.decode(recorded)).data).toMatchObject({ secret: 'whsec_new', previousSecret: 'whsec_old' });

    await keys.destroy(webhookSubject('e1'));
    codec.forget(webhookSubject('e1'));
    const erased = await codec.decode({ ...recorded, id: 'other-id' });
    expect(erased.data).toMatchObject({ secret: null, previousSecret: null });
    expect(erased.erased).toEqual(expect.arrayContaining(['secret', 'previousSecret']));
  });
});
