import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Delivery, NewDelivery, WebhookDeliveryLog } from '../../src/ports/webhook-deliveries.js';

export interface OpenedDeliveryLog {
  log: WebhookDeliveryLog;
  close(): Promise<void>;
}

const AT = '2024-05-01T10:00:00.000Z';
const BIG = '18446744073709551000';

/**
 * The delivery log's contract. Every test works on endpoints and accounts of its own (random ids)
 * and drops its endpoints after, so the suite also runs on a shared MongoDB database.
 */
export function webhookDeliveryLogContract(name: string, open: () => Promise<OpenedDeliveryLog>) {
  describe(`WebhookDeliveryLog contract: ${name}`, () => {
    let opened: OpenedDeliveryLog;
    let log: WebhookDeliveryLog;
    let endpoints: string[];
    const endpoint = () => {
      const id = `ep-${randomUUID()}`;
      endpoints.push(id);
      return id;
    };
    const account = () => `acc-${randomUUID()}`;
    const delivery = (endpointId: string, accountId: string, position: string, eventTime = AT): NewDelivery => ({
      endpointId,
      eventId: `ev-${position}`,
      eventType: 'user.updated',
      accountId,
      streamId: `user-${accountId}`,
      revision: position,
      position,
      eventTime,
    });
    const positions = (found: Delivery[]) => found.map((d) => d.position);

    beforeEach(async () => {
      endpoints = [];
      opened = await open();
      log = opened.log;
    });
    afterEach(async () => {
      for (const id of endpoints) await log.dropEndpoint(id);
      await opened.close();
    });

    it('adds a delivery held in round 0 with no tries, once', async () => {
      const [e, a] = [endpoint(), account()];
      const added = delivery(e, a, '42');
      expect(await log.add(added, AT)).toBe(true);
      const expected: Delivery = {
        ...added,
        status: 'held',
        round: 0,
        attempts: 0,
        firstAttemptAt: null,
        lastAttemptAt: null,
        nextAttemptAt: null,
        deliveredAt: null,
        lastError: null,
        lastStatus: null,
        lastResponse: null,
        replayId: null,
        createdAt: AT,
      };
      const got = await log.get(e, 'ev-42');
      expect(got).toEqual(expected);
      // Exactly the port's fields: nothing of how it is stored.
      expect(Object.keys(got!).sort()).toEqual(Object.keys(expected).sort());

      expect(await log.add({ ...added, eventType: 'user.deleted' }, '2024-06-01T00:00:00.000Z')).toBe(false);
      expect(await log.get(e, 'ev-42')).toEqual(expected);
      // The same event for another endpoint is another delivery.
      expect(await log.add({ ...added, endpointId: endpoint() }, AT)).toBe(true);
    });

    it('concurrent adds of one delivery: exactly one wins', async () => {
      const d = delivery(endpoint(), account(), '7');
      const results = await Promise.all(Array.from({ length: 5 }, () => log.add(d, AT)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('gets null for a delivery never added', async () => {
      const e = endpoint();
      await log.add(delivery(e, account(), '1'), AT);
      expect(await log.get(e, 'ev-2')).toBeNull();
      expect(await log.get(endpoint(), 'ev-1')).toBeNull();
    });

    it('refuses a position that is not a 64-bit decimal', async () => {
      const e = endpoint();
      for (const position of ['-1', '1.5', '', '0x10', '18446744073709551616']) {
        await expect(log.add(delivery(e, account(), position), AT)).rejects.toThrow();
      }
      await expect(log.list(e, { beforePosition: 'x', limit: 1 })).rejects.toThrow();
    });

    it('lists an endpoint newest first by numeric position: status, beforePosition (exclusive), limit', async () => {
      const [e, a] = [endpoint(), account()];
      for (const position of ['9', BIG, '10', '0', '100', '2']) await log.add(delivery(e, a, position), AT);
      await log.add(delivery(endpoint(), a, '50'), AT);
      await log.change(e, 'ev-10', { statuses: ['held'], round: 0 }, { status: 'pending' });
      await log.change(e, 'ev-2', { statuses: ['held'], round: 0 }, { status: 'pending' });

      expect(positions(await log.list(e, { limit: 10 }))).toEqual([BIG, '100', '10', '9', '2', '0']);
      expect(positions(await log.list(e, { limit: 2 }))).toEqual([BIG, '100']);
      expect(positions(await log.list(e, { beforePosition: '100', limit: 10 }))).toEqual(['10', '9', '2', '0']);
      expect(positions(await log.list(e, { beforePosition: '10', limit: 2 }))).toEqual(['9', '2']);
      expect(positions(await log.list(e, { status: 'pending', limit: 10 }))).toEqual(['10', '2']);
      expect(positions(await log.list(e, { status: 'held', beforePosition: BIG, limit: 10 }))).toEqual([
        '100',
        '9',
        '0',
      ]);
      expect(await log.list(e, { status: 'delivered', limit: 10 })).toEqual([]);
      expect(await log.list(e, { limit: 0 })).toEqual([]);
      expect(await log.list(endpoint(), { limit: 10 })).toEqual([]);
    });

    it('changes only from the expected statuses and round, and only the given fields', async () => {
      const e = endpoint();
      await log.add(delivery(e, account(), '5'), AT);
      const before = (await log.get(e, 'ev-5'))!;

      expect(await log.change(e, 'ev-5', { statuses: ['pending'], round: 0 }, { status: 'delivered' })).toBe(false);
      expect(await log.change(e, 'ev-5', { statuses: ['held'], round: 1 }, { status: 'delivered' })).toBe(false);
      expect(await log.change(e, 'ev-404', { statuses: ['held'], round: 0 }, { status: 'pending' })).toBe(false);
      expect(await log.get(e, 'ev-5')).toEqual(before);

      const tried = {
        status: 'pending',
        attempts: 1,
        firstAttemptAt: '2024-05-01T10:00:01.000Z',
        lastAttemptAt: '2024-05-01T10:00:01.000Z',
        nextAttemptAt: '2024-05-01T10:00:31.000Z',
        lastError: 'http_500',
        lastStatus: 500,
        lastResponse: 'oops',
      } as const;
      expect(await log.change(e, 'ev-5', { statuses: ['held', 'pending'], round: 0 }, tried)).toBe(true);
      expect(await log.get(e, 'ev-5')).toEqual({ ...before, ...tried });

      const done = { status: 'delivered', deliveredAt: '2024-05-01T10:00:31.000Z', nextAttemptAt: null } as const;
      const cleared = { lastError: null, lastStatus: null, lastResponse: null };
      expect(await log.change(e, 'ev-5', { statuses: ['pending'], round: 0 }, { ...done, ...cleared })).toBe(true);
      expect(await log.get(e, 'ev-5')).toEqual({ ...before, ...tried, ...done, ...cleared });

      const retried = { status: 'pending', round: 1, attempts: 0, replayId: 'rp-1' } as const;
      expect(await log.change(e, 'ev-5', { statuses: ['delivered', 'failed'], round: 0 }, retried)).toBe(true);
      expect(await log.change(e, 'ev-5', { statuses: ['pending'], round: 0 }, { attempts: 9 })).toBe(false);
      expect(await log.get(e, 'ev-5')).toEqual({ ...before, ...tried, ...done, ...cleared, ...retried });
      // Nothing to set: the answer is whether it would have applied.
      expect(await log.change(e, 'ev-5', { statuses: ['pending'], round: 1 }, {})).toBe(true);
      expect(await log.change(e, 'ev-5', { statuses: ['held'], round: 1 }, {})).toBe(false);
    });

    it('concurrent changes with the same expectation: exactly one applies', async () => {
      const e = endpoint();
      await log.add(delivery(e, account(), '3'), AT);
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          log.change(e, 'ev-3', { statuses: ['held'], round: 0 }, { status: 'pending', attempts: i }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await log.get(e, 'ev-3'))!.attempts).toBe(results.indexOf(true));
    });

    it("answers a line's earliest pending and earliest held, apart from other lines and final deliveries", async () => {
      const [e, a, b] = [endpoint(), account(), account()];
      expect(await log.line(e, a)).toEqual({ pending: null, firstHeld: null });
      for (const position of ['10', '9', '11', '20', '30', BIG]) await log.add(delivery(e, a, position), AT);
      for (const position of ['1', '2']) await log.add(delivery(e, b, position), AT);
      await log.add(delivery(endpoint(), a, '3'), AT);
      const held = { statuses: ['held'], round: 0 } as const;
      await log.change(e, 'ev-9', held, { status: 'delivered' });
      await log.change(e, 'ev-30', held, { status: 'pending' });
      await log.change(e, 'ev-20', held, { status: 'pending' });
      await log.change(e, 'ev-1', held, { status: 'pending' });

      const line = await log.line(e, a);
      expect(line.pending?.eventId).toBe('ev-20');
      expect(line.firstHeld?.eventId).toBe('ev-10');

      await log.change(e, 'ev-10', held, { status: 'skipped' });
      await log.change(e, 'ev-11', held, { status: 'failed' });
      await log.change(e, 'ev-20', { statuses: ['pending'], round: 0 }, { status: 'delivered' });
      await log.change(e, 'ev-30', { statuses: ['pending'], round: 0 }, { status: 'failed' });
      expect(await log.line(e, a)).toEqual({ pending: null, firstHeld: await log.get(e, `ev-${BIG}`) });
      expect(await log.line(e, b)).toEqual({ pending: await log.get(e, 'ev-1'), firstHeld: await log.get(e, 'ev-2') });
    });

    it('counts the backlog per endpoint with its oldest event time, leaving out endpoints with none', async () => {
      const [e1, e2, e3, a] = [endpoint(), endpoint(), endpoint(), account()];
      await log.add(delivery(e1, a, '1', '2024-01-03T00:00:00.000Z'), AT);
      await log.add(delivery(e1, a, '2', '2024-01-02T00:00:00.000Z'), AT);
      await log.add(delivery(e1, a, '3', '2024-01-01T00:00:00.000Z'), AT);
      await log.add(delivery(e1, account(), '4', '2024-01-04T00:00:00.000Z'), AT);
      await log.add(delivery(e2, a, '5', '2024-02-01T00:00:00.000Z'), AT);
      await log.add(delivery(e3, a, '6', '2024-03-01T00:00:00.000Z'), AT);
      await log.change(e1, 'ev-1', { statuses: ['held'], round: 0 }, { status: 'pending' });
      await log.change(e1, 'ev-3', { statuses: ['held'], round: 0 }, { status: 'delivered' });
      await log.change(e3, 'ev-6', { statuses: ['held'], round: 0 }, { status: 'skipped' });

      const mine = (await log.backlog()).filter((entry) => endpoints.includes(entry.endpointId));
      expect(mine).toHaveLength(2);
      expect(mine).toEqual(
        expect.arrayContaining([
          { endpointId: e1, waiting: 3, oldestEventTime: '2024-01-02T00:00:00.000Z' },
          { endpointId: e2, waiting: 1, oldestEventTime: '2024-02-01T00:00:00.000Z' },
        ]),
      );
    });

    it('keeps the earliest failure until a success, per endpoint', async () => {
      const [e, other] = [endpoint(), endpoint()];
      expect(await log.failedAt(e, '2024-05-01T10:00:00.000Z')).toBe('2024-05-01T10:00:00.000Z');
      expect(await log.failedAt(e, '2024-05-01T11:00:00.000Z')).toBe('2024-05-01T10:00:00.000Z');
      // A worker reporting late an earlier failure moves it back: the earliest is kept, not the first told.
      expect(await log.failedAt(e, '2024-05-01T09:00:00.000Z')).toBe('2024-05-01T09:00:00.000Z');
      expect(await log.failedAt(other, '2024-05-02T00:00:00.000Z')).toBe('2024-05-02T00:00:00.000Z');

      await log.succeeded(e);
      await log.succeeded(endpoint()); // one that never failed
      expect(await log.failedAt(e, '2024-05-03T00:00:00.000Z')).toBe('2024-05-03T00:00:00.000Z');
      expect(await log.failedAt(other, '2024-05-04T00:00:00.000Z')).toBe('2024-05-02T00:00:00.000Z');
    });

    it("forgets the answers kept for an account's deliveries only", async () => {
      const [e1, e2, a, b] = [endpoint(), endpoint(), account(), account()];
      const answered = { lastStatus: 500, lastResponse: '{"error":"no"}', lastError: 'http_500' };
      for (const [e, who, position] of [
        [e1, a, '1'],
        [e2, a, '2'],
        [e1, b, '3'],
      ] as const) {
        await log.add(delivery(e, who, position), AT);
        await log.change(e, `ev-${position}`, { statuses: ['held'], round: 0 }, answered);
      }
      await log.forgetAccount(a);
      for (const [e, position] of [
        [e1, '1'],
        [e2, '2'],
      ] as const) {
        expect(await log.get(e, `ev-${position}`)).toMatchObject({ ...answered, lastResponse: null });
      }
      expect(await log.get(e1, 'ev-3')).toMatchObject(answered);
    });

    it("drops an endpoint's deliveries and failure record, and nothing of another", async () => {
      const [e, other, a] = [endpoint(), endpoint(), account()];
      for (const id of [e, other]) {
        await log.add(delivery(id, a, '1'), AT);
        await log.add(delivery(id, a, '2'), AT);
        await log.failedAt(id, '2024-05-01T10:00:00.000Z');
      }
      await log.dropEndpoint(e);
      await log.dropEndpoint(endpoint()); // one that never had any

      expect(await log.get(e, 'ev-1')).toBeNull();
      expect(await log.list(e, { limit: 10 })).toEqual([]);
      expect(await log.line(e, a)).toEqual({ pending: null, firstHeld: null });
      expect((await log.backlog()).map((entry) => entry.endpointId)).not.toContain(e);
      expect(await log.failedAt(e, '2024-05-02T00:00:00.000Z')).toBe('2024-05-02T00:00:00.000Z');

      expect(positions(await log.list(other, { limit: 10 }))).toEqual(['2', '1']);
      expect(await log.failedAt(other, '2024-05-02T00:00:00.000Z')).toBe('2024-05-01T10:00:00.000Z');
    });
  });
}
