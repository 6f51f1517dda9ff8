import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEventCodec } from '../../src/events/codec.js';
import { createSqliteKeyStore } from '../../src/infra/keystore/sqlite.js';
import { openSqliteDatabase } from '../../src/infra/sqlite/database.js';
import type { RecordedEvent } from '../../src/ports/event-store.js';

describe('event codec', () => {
  it('seals personal fields, reads them back, and after the key is destroyed reads null — cached or not', async () => {
    const keys = createSqliteKeyStore(openSqliteDatabase(':memory:'));
    const codec = createEventCodec(keys);
    const userId = randomUUID();
    const stream = `user-${userId}`;
    const [encoded] = await codec.encode(
      stream,
      [{ type: 'DisplayNameChanged', data: { displayName: 'Ada' } }],
      { commandId: randomUUID(), correlationId: 'c', actor: userId, ip: '10.0.0.1', userAgent: 'ua' },
      0n,
    );
    expect(JSON.stringify(encoded)).not.toContain('Ada');
    expect(JSON.stringify(encoded)).not.toContain('10.0.0.1');
    const recorded: RecordedEvent = { ...encoded!, streamId: stream, revision: 0n, position: 1n, created: new Date() };
    const first = await codec.decode(recorded);
    expect(first.data.displayName).toBe('Ada');
    expect(first.metadata.ip).toBe('10.0.0.1');
    expect(await codec.decode(recorded)).toBe(first); // the second reader gets the cached decoding
    await keys.destroy(userId);
    codec.forget(userId);
    const after = await codec.decode(recorded);
    expect(after.data.displayName).toBeNull();
    expect(after.erased).toEqual(['displayName', 'metadata.ip', 'metadata.userAgent']);
  });

  it('opens the sealed metadata only when it is read, and not at all once the key was destroyed after the decoding', async () => {
    const keys = createSqliteKeyStore(openSqliteDatabase(':memory:'));
    const codec = createEventCodec(keys);
    const userId = randomUUID();
    const stream = `user-${userId}`;
    const context = {
      commandId: randomUUID(),
      correlationId: 'c',
      actor: userId,
      ip: '10.0.0.2',
      userAgent: 'agent/1',
    };
    const [one, two] = await codec.encode(
      stream,
      [
        { type: 'DisplayNameChanged', data: { displayName: 'Bo' } },
        { type: 'DisplayNameChanged', data: { displayName: 'Bea' } },
      ],
      context,
      0n,
    );
    const decodedOne = await codec.decode({
      ...one!,
      streamId: stream,
      revision: 0n,
      position: 1n,
      created: new Date(),
    });
    const decodedTwo = await codec.decode({
      ...two!,
      streamId: stream,
      revision: 1n,
      position: 2n,
      created: new Date(),
    });
    expect(decodedOne.metadata.ip).toBe('10.0.0.2'); // opened before the erasure: it was already in memory
    await keys.destroy(userId);
    codec.forget(userId);
    // Handed out before the erasure, never read: nothing opens it now.
    expect(decodedTwo.metadata.ip).toBeNull();
    expect(decodedTwo.metadata.userAgent).toBeNull();
    expect({ ...decodedTwo.metadata }).toMatchObject({ ip: null, userAgent: null });
  });
});
