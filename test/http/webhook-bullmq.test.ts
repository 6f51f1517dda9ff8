import { describe, expect, it, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { requireRedis, startRedis } from '../support/redis.js';
import { call, register, startServer } from '../support/server.js';
import { ofType, startReceiver } from '../support/webhook-receiver.js';

/*
 * With REDIS_URL each try of a delivery is a BullMQ job (job ids with ':' are escaped for BullMQ):
 * a delivery arrives signed, in order per account, and the log records it as with the embedded queue.
 */
describe('webhook deliveries through BullMQ', () => {
  it.skipIf(!requireRedis())('deliver every event of an account once, in order, when the queue is Redis', async () => {
    const redis = await startRedis();
    const receiver = await startReceiver();
    const server = await startServer({
      REDIS_URL: redis.url,
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    try {
      const admin = (await register(server)).token;
      const made = await call(server, 'POST', '/admin/webhooks', {
        token: admin,
        body: { url: receiver.url, events: ['user.created', 'session.started', 'session.ended'] },
      });
      const person = await register(server);
      await call(server, 'POST', '/auth/logout', { token: person.token });
      const ended = await receiver.waitFor(ofType('session.ended'));
      expect(new Webhook(made.body.secret).verify(ended.body, ended.headers as Record<string, string>)).toMatchObject({
        type: 'session.ended',
      });
      expect(receiver.received.map((r) => r.json?.type)).toEqual(['user.created', 'session.started', 'session.ended']);
      await vi.waitFor(
        async () => {
          const log = await call(server, 'GET', `/admin/webhooks/${made.body.id}/deliveries`, { token: admin });
          expect(log.body.deliveries.map((d: { status: string }) => d.status)).toEqual([
            'delivered',
            'delivered',
            'delivered',
          ]);
        },
        { timeout: 10_000, interval: 50 },
      );
    } finally {
      await server.close();
      await receiver.close();
      await redis.stop();
    }
  });
});
