import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isWrongExpectedVersion,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '../../src/ports/event-store.js';

const event = (type = 'Happened', data: Record<string, unknown> = {}): NewEvent => ({
  id: randomUUID(),
  type,
  data,
  metadata: { schemaVersion: 1 },
});

/** Runs the event store contract against one adapter; `open` gives a fresh, empty-enough store. */
export function eventStoreContract(name: string, open: () => Promise<EventStore>) {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    // Stream names unique per test, so a shared real server needs no cleanup.
    let prefix: string;
    beforeEach(async () => {
      store = await open();
      prefix = `t${randomUUID().replaceAll('-', '')}`;
    });
    afterEach(async () => {
      await store.close();
    });

    it('appends with no_stream, then with the revision read, and numbers revisions from 0', async () => {
      const stream = `${prefix}-a`;
      const first = await store.append(stream, [event(), event()], { expectedRevision: 'no_stream' });
      expect(first.nextRevision).toBe(1n);
      const second = await store.append(stream, [event()], { expectedRevision: 1n });
      expect(second.nextRevision).toBe(2n);
      expect(second.position > first.position).toBe(true);
      const read = await store.readStream(stream);
      expect(read.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
      expect(read.every((e) => e.streamId === stream && e.created instanceof Date)).toBe(true);
    });

    it('refuses every expected revision that does not hold with a typed conflict', async () => {
      const stream = `${prefix}-b`;
      await expect(store.append(stream, [event()], { expectedRevision: 'stream_exists' })).rejects.toSatisfy(
        isWrongExpectedVersion,
      );
      await expect(store.append(stream, [event()], { expectedRevision: 0n })).rejects.toSatisfy(isWrongExpectedVersion);
      await store.append(stream, [event()], { expectedRevision: 'no_stream' });
      await expect(store.append(stream, [event()], { expectedRevision: 'no_stream' })).rejects.toSatisfy(
        isWrongExpectedVersion,
      );
      await expect(store.append(stream, [event()], { expectedRevision: 5n })).rejects.toSatisfy(isWrongExpectedVersion);
      await store.append(stream, [event()], { expectedRevision: 'stream_exists' });
      await store.append(stream, [event()], { expectedRevision: 'any' });
      expect((await store.readStream(stream)).length).toBe(3);
    });

    it('a refused append writes nothing', async () => {
      const stream = `${prefix}-c`;
      await store.append(stream, [event()], { expectedRevision: 'no_stream' });
      await store.append(stream, [event(), event()], { expectedRevision: 7n }).catch(() => undefined);
      expect((await store.readStream(stream)).length).toBe(1);
    });

    it('recognises a retried append of the same event ids and does not write them twice', async () => {
      const stream = `${prefix}-d`;
      const events = [event(), event()];
      const first = await store.append(stream, events, { expectedRevision: 'no_stream' });
      const again = await store.append(stream, events, { expectedRevision: 'no_stream' });
      expect(again.nextRevision).toBe(first.nextRevision);
      expect((await store.readStream(stream)).length).toBe(2);
    });

    it('takes a retry at the revision first sent, and refuses one that only partly repeats or expects a revision ahead', async () => {
      const stream = `${prefix}-d2`;
      const events = [event(), event()];
      await store.append(stream, events, { expectedRevision: 'no_stream' });
      await store.append(stream, [event()], { expectedRevision: 1n });
      // Behind the stream: the events after the revision must be these very ones.
      expect(await store.append(stream, events, { expectedRevision: 'no_stream' })).toMatchObject({ nextRevision: 1n });
      await expect(store.append(stream, [events[0]!, event()], { expectedRevision: 'no_stream' })).rejects.toSatisfy(
        isWrongExpectedVersion,
      );
      await expect(store.append(stream, events, { expectedRevision: 0n })).rejects.toSatisfy(isWrongExpectedVersion);
      await expect(store.append(stream, [event()], { expectedRevision: 9n })).rejects.toSatisfy(isWrongExpectedVersion);
      // `any`: a whole repeat is written once, a partial one is a conflict.
      expect(await store.append(stream, events, { expectedRevision: 'any' })).toMatchObject({ nextRevision: 1n });
      await expect(store.append(stream, [events[0]!, event()], { expectedRevision: 'any' })).rejects.toSatisfy(
        isWrongExpectedVersion,
      );
      expect((await store.readStream(stream)).length).toBe(3);
    });

    it('appends at the current revision without looking for the ids there, as EventStoreDB does', async () => {
      const stream = `${prefix}-d3`;
      const events = [event(), event()];
      await store.append(stream, events, { expectedRevision: 'no_stream' });
      // The same ids once more, expecting the revision the stream is at: a new append, not a repeat.
      expect(await store.append(stream, events, { expectedRevision: 1n })).toMatchObject({ nextRevision: 3n });
      expect((await store.readStream(stream)).map((e) => e.id)).toEqual([...events, ...events].map((e) => e.id));
    });

    it('keeps type, data and metadata as written', async () => {
      const stream = `${prefix}-e`;
      const written = event('UserRegistered', { name: 'zoë', nested: { list: [1, 'two', null] } });
      written.metadata = { $correlationId: 'c1', $causationId: 'c2', actor: null, schemaVersion: 1 };
      await store.append(stream, [written], { expectedRevision: 'any' });
      const [read] = await store.readStream(stream);
      expect(read).toMatchObject({
        id: written.id,
        type: 'UserRegistered',
        data: written.data,
        metadata: written.metadata,
      });
    });

    it('reads a missing stream as empty, and reads backwards and from a revision', async () => {
      expect(await store.readStream(`${prefix}-missing`)).toEqual([]);
      const stream = `${prefix}-f`;
      await store.append(stream, [event('A'), event('B'), event('C')], { expectedRevision: 'no_stream' });
      expect((await store.readStream(stream, { direction: 'backwards' })).map((e) => e.type)).toEqual(['C', 'B', 'A']);
      expect((await store.readStream(stream, { fromRevision: 1n })).map((e) => e.type)).toEqual(['B', 'C']);
      expect((await store.readStream(stream, { direction: 'backwards', maxCount: 1 })).map((e) => e.type)).toEqual([
        'C',
      ]);
    });

    it('gives global positions that grow strictly, and readAll starts after the position given', async () => {
      const a = `${prefix}-g1`;
      const b = `${prefix}-g2`;
      // Only positions the store handed out may be passed back (EventStoreDB refuses any other).
      const before = await store.append(`${prefix}-g0`, [event('Before')], { expectedRevision: 'no_stream' });
      await store.append(a, [event('One')], { expectedRevision: 'no_stream' });
      await store.append(b, [event('Two')], { expectedRevision: 'no_stream' });
      await store.append(a, [event('Three')], { expectedRevision: 0n });
      const all = await store.readAll({
        fromPosition: before.position,
        filter: { streamPrefixes: [`${prefix}-g1`, `${prefix}-g2`] },
      });
      const ours = all.filter((e) => e.streamId.startsWith(prefix));
      expect(ours.map((e) => e.type)).toEqual(['One', 'Two', 'Three']);
      for (let i = 1; i < ours.length; i += 1) expect(ours[i]!.position > ours[i - 1]!.position).toBe(true);
      const after = await store.readAll({ fromPosition: ours[0]!.position, filter: { streamPrefixes: [prefix] } });
      expect(after.map((e) => e.type)).toEqual(['Two', 'Three']);
      expect(await store.headPosition()).toBeGreaterThanOrEqual(ours[2]!.position);
    });

    it('filters readAll by stream prefix and by event type', async () => {
      await store.append(`${prefix}x-1`, [event('Kept'), event('Dropped')], { expectedRevision: 'no_stream' });
      await store.append(`${prefix}y-1`, [event('Kept')], { expectedRevision: 'no_stream' });
      const byPrefix = await store.readAll({ filter: { streamPrefixes: [`${prefix}x-`] } });
      expect(byPrefix.map((e) => e.type)).toEqual(['Kept', 'Dropped']);
      const byType = await store.readAll({ filter: { streamPrefixes: [prefix], eventTypes: ['Kept'] } });
      expect(byType.map((e) => e.streamId)).toEqual([`${prefix}x-1`, `${prefix}y-1`]);
      const limited = await store.readAll({ filter: { streamPrefixes: [prefix] }, maxCount: 1 });
      expect(limited.length).toBe(1);
    });

    it('of two writers racing on one stream with the same expected revision, exactly one wins', async () => {
      for (let round = 0; round < 20; round += 1) {
        const stream = `${prefix}-race${round}`;
        await store.append(stream, [event()], { expectedRevision: 'no_stream' });
        const results = await Promise.allSettled([
          store.append(stream, [event('Left')], { expectedRevision: 0n }),
          store.append(stream, [event('Right')], { expectedRevision: 0n }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled').length).toBe(1);
        const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(isWrongExpectedVersion(loser.reason)).toBe(true);
        expect((await store.readStream(stream)).length).toBe(2);
      }
    });

    it('a subscriber started mid-append sees every event once, in order, from catch-up into live', async () => {
      const stream = (i: number) => `${prefix}-s${i % 7}`;
      const total = 300;
      let written = 0;
      const writer = (async () => {
        while (written < total) {
          await store.append(stream(written), [event('Tick', { n: written })], { expectedRevision: 'any' });
          written += 1;
          if (written % 25 === 0) await new Promise((r) => setTimeout(r, 1));
        }
      })();
      while (written < total / 3) await new Promise((r) => setTimeout(r, 1));
      const seen: RecordedEvent[] = [];
      let resolveAll!: () => void;
      const all = new Promise<void>((r) => (resolveAll = r));
      const subscription = store.subscribeAll({ filter: { streamPrefixes: [prefix] } }, (e) => {
        seen.push(e);
        if (seen.length === total) resolveAll();
      });
      await writer;
      await Promise.race([
        all,
        new Promise((_, reject) => setTimeout(() => reject(new Error(`saw ${seen.length}`)), 20000)),
      ]);
      await subscription.stop();
      expect(seen.map((e) => e.data.n)).toEqual(Array.from({ length: total }, (_, i) => i));
      for (let i = 1; i < seen.length; i += 1) expect(seen[i]!.position > seen[i - 1]!.position).toBe(true);
    });

    it('a long catch-up lets the process do other work before it reaches the head', async () => {
      const total = 1200;
      for (let i = 0; i < total; i += 100)
        await store.append(
          `${prefix}-c${i}`,
          Array.from({ length: 100 }, (_, n) => event('Tick', { n: i + n })),
          { expectedRevision: 'no_stream' },
        );
      let seen = 0;
      let seenWhenOtherWorkRan = -1;
      let resolveAll!: () => void;
      const all = new Promise<void>((r) => (resolveAll = r));
      // A handler that answers synchronously, as a projection on the embedded read store does.
      const subscription = store.subscribeAll({ filter: { streamPrefixes: [prefix] } }, () => {
        seen += 1;
        if (seen === total) resolveAll();
      });
      // Other work (a request, say) that arrived as the catch-up began.
      setImmediate(() => (seenWhenOtherWorkRan = seen));
      await all;
      await subscription.stop();
      expect(seenWhenOtherWorkRan).toBeGreaterThanOrEqual(0);
      expect(seenWhenOtherWorkRan).toBeLessThan(total);
    });

    it('a subscription from a position starts after it and stops cleanly', async () => {
      const s = `${prefix}-p`;
      const first = await store.append(s, [event('Before')], { expectedRevision: 'no_stream' });
      await store.append(s, [event('After')], { expectedRevision: 0n });
      const seen: string[] = [];
      let resolveOne!: () => void;
      const one = new Promise<void>((r) => (resolveOne = r));
      const subscription = store.subscribeAll(
        { fromPosition: first.position, filter: { streamPrefixes: [prefix] } },
        (e) => {
          seen.push(e.type);
          resolveOne();
        },
      );
      await one;
      await subscription.stop();
      await store.append(s, [event('Later')], { expectedRevision: 1n });
      await new Promise((r) => setTimeout(r, 50));
      expect(seen).toEqual(['After']);
    });

    it('a subscription whose handler fails reports it through done', async () => {
      await store.append(`${prefix}-h`, [event()], { expectedRevision: 'no_stream' });
      const subscription = store.subscribeAll({ filter: { streamPrefixes: [prefix] } }, () => {
        throw new Error('projector broke');
      });
      await expect(subscription.done).rejects.toThrow('projector broke');
      await subscription.stop();
    });
  });
}
