import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createClaims } from '../../src/accounts/claims.js';
import { CommandHandler } from '../../src/commands/handler.js';
import { createEventCodec } from '../../src/events/codec.js';
import { call, newUser, startServer, TestClock, type TestServer } from '../support/server.js';

describe('uniqueness claims survive a crash between the claim and the account', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('a name claimed by an account that never appeared is free again after the grace period, not before', async () => {
    const clock = new TestClock();
    server = await startServer({ CLAIM_GRACE: '60s' }, { clock });
    // What a crash right after the claim leaves behind: a claim, and no user-<owner> stream.
    const { eventStore, keyStore } = server.service;
    const commands = new CommandHandler({ eventStore, codec: createEventCodec(keyStore) });
    const claims = createClaims({
      eventStore,
      commands,
      hmacKey: await keyStore.getOrCreate('service:claims-hmac'),
      clock: clock.now,
      graceMs: 60_000,
    });
    await claims.claim('username', 'orphaned', randomUUID(), {
      commandId: randomUUID(),
      correlationId: 'crash',
      actor: null,
      ip: null,
      userAgent: null,
    });

    const early = await call(server, 'POST', '/auth/register', { body: newUser({ username: 'orphaned' }) });
    expect(early.status).toBe(409);
    clock.advance(61_000);
    const late = await call(server, 'POST', '/auth/register', { body: newUser({ username: 'Orphaned' }) });
    expect(late.status).toBe(201);
  });

  it('claim streams are named by an HMAC and never carry the value', async () => {
    server = await startServer();
    await call(server, 'POST', '/auth/register', {
      body: newUser({ username: 'secret_name', email: 'secret@example.test' }),
    });
    const events = await server.service.eventStore.readAll({ filter: { streamPrefixes: ['unique-'] } });
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(event.streamId).toMatch(/^unique-(username|email|setup)-[0-9a-f]{64}$/);
      expect(JSON.stringify({ data: event.data, metadata: event.metadata })).not.toMatch(/secret/);
    }
  });
});
