import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { requireRedis, startRedis } from '../support/redis.js';
import { call, register, startServer } from '../support/server.js';

/** A real SMTP server that counts what it receives, per recipient. */
async function startSmtp() {
  const received = new Map<string, number>();
  /** The same mail (recipient and code) more than once: a true duplicate. */
  const copies = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, done) {
      simpleParser(stream).then((mail) => {
        const to = Array.isArray(mail.to) ? mail.to[0]!.text : mail.to!.text;
        received.set(to, (received.get(to) ?? 0) + 1);
        const key = `${to}:${/\b(\d{6})\b/.exec(mail.text ?? '')?.[1]}`;
        copies.set(key, (copies.get(key) ?? 0) + 1);
        done();
      }, done);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    copies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!requireRedis())('mail through BullMQ survives a Redis outage', () => {
  it('Redis stopped for 5 s in the middle of a burst of 200 mails: the API keeps answering, and every mail arrives', async () => {
    const redis = await startRedis({ appendOnly: true });
    const smtp = await startSmtp();
    // An add waits at most 500 ms for Redis, so the 5 s outage is answered with 503s, not ridden out.
    const server = await startServer({
      REDIS_URL: redis.url,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'accounts@example.test',
      QUEUE_ADD_TIMEOUT: '500ms',
    });
    try {
      const user = await register(server);
      const total = 200;
      let answered = 0;
      let unavailable = 0;
      let outage: Promise<void> | null = null;
      const healthDuringOutage: number[] = [];

      const sendCode = async (i: number) => {
        const email = `burst${i}@example.test`;
        for (let attempt = 0; attempt < 200; attempt += 1) {
          const answer = await call(server, 'POST', '/auth/send-code', { body: { email } });
          if (answer.status === 202) return;
          // While Redis is away, a mail request is refused, never lost silently: 503 with Retry-After.
          expect(answer.status).toBe(503);
          expect(answer.body.code).toBe('unavailable');
          expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
          unavailable += 1;
          await pause(100);
        }
        throw new Error(`send-code for ${email} never got through`);
      };

      let next = 0;
      const workers = Array.from({ length: 8 }, async () => {
        while (next < total) {
          const i = next++;
          await sendCode(i);
          answered += 1;
          if (answered === 60 && !outage) {
            outage = (async () => {
              await redis.stop();
              healthDuringOutage.push((await call(server, 'GET', '/healthz')).status);
              healthDuringOutage.push((await call(server, 'GET', '/auth', { token: user.token })).status);
              await pause(5000);
              await redis.restart();
            })();
          }
        }
      });
      await Promise.all(workers);
      await outage;

      const deadline = Date.now() + 90_000;
      const missing = () =>
        Array.from({ length: total }, (_, i) => `burst${i}@example.test`).filter((to) => !smtp.received.has(to));
      while (missing().length && Date.now() < deadline) await pause(100);
      expect(missing()).toEqual([]);
      // Two kinds of "more than one mail": a request refused with 503 whose job reached Redis after
      // all (its retry then sends a second mail with another code), and the same mail sent twice
      // (a job that was sent but whose completion Redis never recorded, then run again).
      const extra = [...smtp.received.values()].reduce((sum, n) => sum + n - 1, 0);
      const duplicates = [...smtp.copies.values()].reduce((sum, n) => sum + n - 1, 0);
      console.log(
        `redis outage: ${total} addresses, ${unavailable} requests answered 503, ${extra} extra mail(s) after a 503, ${duplicates} true duplicate(s)`,
      );
      expect(duplicates).toBeLessThanOrEqual(4);
      expect(healthDuringOutage).toEqual([200, 200]);
      expect(unavailable).toBeGreaterThan(0);
    } finally {
      await server.close();
      await redis.stop();
      await smtp.close();
    }
  }, 180_000);
});
