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
  it('decodes an event it sealed itself to what another process opens, and not from another encoding with the same id', async () => {
    const db = openSqliteDatabase(':memory:');
    const codec = createEventCodec(createSqliteKeyStore(db));
    const userId = randomUUID();
    const stream = `user-${userId}`;
    const context = { commandId: randomUUID(), correlationId: 'c', actor: userId, ip: '10.0.0.3', userAgent: 'ua/3' };
    const record = (event: Awaited<ReturnType<typeof codec.encode>>[number]): RecordedEvent => ({
      ...event,
      streamId: stream,
      revision: 0n,
      position: 1n,
      created: new Date(0),
    });
    // The same command at the same place twice: one id, two encodings (a retry that decided anew).
    const [first] = await codec.encode(
      stream,
      [{ type: 'DisplayNameChanged', data: { displayName: 'Ada' } }],
      context,
      0n,
    );
    const [second] = await codec.encode(
      stream,
      [{ type: 'DisplayNameChanged', data: { displayName: 'Bo' } }],
      context,
      0n,
    );
    expect(first!.id).toBe(second!.id);
    const stored = record(first!);
    const here = await codec.decode(stored);
    expect(here.data.displayName).toBe('Ada');
    const elsewhere = await createEventCodec(createSqliteKeyStore(db)).decode(stored);
    expect({ ...here, metadata: { ...here.metadata } }).toEqual({ ...elsewhere, metadata: { ...elsewhere.metadata } });
    expect(here.metadata.ip).toBe('10.0.0.3');
  });

  it('forgets what it sealed when the key is destroyed before the event is first decoded', async () => {
    const keys = createSqliteKeyStore(openSqliteDatabase(':memory:'));
    const codec = createEventCodec(keys);
    const userId = randomUUID();
    const stream = `user-${userId}`;
    const context = { commandId: randomUUID(), correlationId: 'c', actor: userId, ip: '10.0.0.4', userAgent: 'ua/4' };
    const [encoded] = await codec.encode(
      stream,
      [{ type: 'DisplayNameChanged', data: { displayName: 'Cy' } }],
      context,
      0n,
    );
    await keys.destroy(userId);
    codec.forget(userId);
    const decoded = await codec.decode({
      ...encoded!,
      streamId: stream,
      revision: 0n,
      position: 1n,
      created: new Date(),
    });
    expect(decoded.data.displayName).toBeNull();
    expect(decoded.metadata.ip).toBeNull();
    expect(decoded.erased).toEqual(['displayName', 'metadata.ip', 'metadata.userAgent']);
  });
});
