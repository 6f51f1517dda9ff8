/**
 * Issue #23: no personal data left in Redis after a job fails. A mail job fails the way nodemailer
 * fails (the address and a secret in the message, the response and the stack), retries, fails for
 * good; then every key of that redis-server is read, whatever its type, and neither the address
 * nor the secret may appear anywhere.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBullmqJobQueue } from '../../src/infra/queue/bullmq.js';
import { startRedis, requireRedis, type RedisServer } from '../support/redis.js';
import { eventually } from './job-queue.contract.js';

const ADDRESS = 'ada.lovelace@example.test';
const SECRET = 'rst_7Hq2xV9pLw4ZkT8m';

/** An error shaped like nodemailer's for a rejected recipient, with the secret in it as well. */
function recipientRejected(): Error {
  const response = `550 5.1.1 <${ADDRESS}>: Recipient address rejected (link https://id.example/reset?t=${SECRET})`;
  const error = Object.assign(new Error(`Can't send mail - all recipients were rejected: ${response}`), {
    code: 'EENVELOPE',
    response,
    responseCode: 550,
    command: 'RCPT TO',
    rejected: [ADDRESS],
  });
  expect(error.stack).toContain(ADDRESS);
  return error;
}

/** Every value of every key, as text, read with the command its type needs. */
async function dumpEveryKey(client: Redis): Promise<{ keys: string[]; text: string }> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'COUNT', '1000');
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const parts: string[] = [];
  for (const key of keys) {
    const type = await client.type(key);
    const value =
      type === 'string'
        ? await client.get(key)
        : type === 'hash'
          ? await client.hgetall(key)
          : type === 'list'
            ? await client.lrange(key, 0, -1)
            : type === 'set'
              ? await client.smembers(key)
              : type === 'zset'
                ? await client.zrange(key, '0', '-1', 'WITHSCORES')
                : type === 'stream'
                  ? await client.xrange(key, '-', '+')
                  : undefined;
    // A type this scan cannot read would hide whatever it holds.
    if (value === undefined) throw new Error(`key ${key} has a type the scan does not read: ${type}`);
    parts.push(key, JSON.stringify(value));
  }
  return { keys, text: parts.join('\n') };
}

describe.skipIf(!requireRedis())('BullMQ on a real redis-server: a failed job leaves no personal data', () => {
  let redis: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('stores the failure as its code only: no address, no secret in any key', async () => {
    const queue = await openBullmqJobQueue(redis.url, { prefix: 'scrub' });
    let attempts = 0;
    try {
      queue.process('send-mail', async () => {
        attempts += 1;
        throw recipientRejected();
      });
      const data = { kind: 'password_reset', to: ADDRESS, template: { kind: 'password_reset', link: SECRET } };
      // The id an event would give it; two attempts, so a retry's record is in Redis too.
      const jobId = 'c0ffee00-0000-4000-8000-000000000023';
      await queue.add('send-mail', data, { jobId, attempts: 2, backoffMs: 50, secretFields: ['to', 'template'] });
      await eventually(async () =>
        expect(await queue.inspect(jobId)).toEqual({
          state: 'failed',
          data: { kind: 'password_reset' },
          attemptsMade: 2,
          failedReason: 'EENVELOPE',
        }),
      );
      expect(attempts).toBe(2);
      // What BullMQ itself keeps on the job: the code for operators, and no stack trace.
      const stored = await client.hmget(`scrub:send-mail:${jobId}`, 'failedReason', 'stacktrace');
      expect(stored).toEqual(['EENVELOPE', '[]']);
    } finally {
      // Close first: every write the queue makes (the secret strip included) is done before the scan.
      await queue.close();
    }

    const { keys, text } = await dumpEveryKey(client);
    // The scan does see the job, its failure and the events stream: it is not looking at nothing.
    expect(keys).toEqual(expect.arrayContaining(['scrub:send-mail:events', 'scrub:send-mail:failed']));
    expect(text).toContain('EENVELOPE');
    for (const needle of [ADDRESS, encodeURIComponent(ADDRESS), 'ada.lovelace', SECRET, 'Recipient address rejected']) {
      expect(text, `${needle} is in Redis`).not.toContain(needle);
    }
  });
});
