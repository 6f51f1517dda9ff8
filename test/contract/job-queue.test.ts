import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_RETENTION_MS, type JobQueue } from '../../src/ports/job-queue.js';
import { openBullmqJobQueue } from '../../src/infra/queue/bullmq.js';
import { createSqliteJobQueue } from '../../src/infra/queue/sqlite.js';
import { openSqliteDatabase, type SqliteDatabase } from '../../src/infra/sqlite/database.js';
import { startRedis, requireRedis, type RedisServer } from '../support/redis.js';
import { eventually, jobQueueContract, sleep } from './job-queue.contract.js';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'jobs-')), 'jobs.db');

jobQueueContract('SQLite', async () => {
  const db = openSqliteDatabase(tempDb());
  const queue = createSqliteJobQueue(db);
  return {
    ...queue,
    close: async () => {
      await queue.close();
      db.close();
    },
  };
});

describe('SQLite job queue', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  const open = (db: SqliteDatabase, options?: Parameters<typeof createSqliteJobQueue>[1]): JobQueue => {
    const queue = createSqliteJobQueue(db, options);
    cleanup.unshift(() => queue.close());
    return queue;
  };
  const openDb = (path: string) => {
    const db = openSqliteDatabase(path);
    cleanup.push(() => {
      db.close();
    });
    return db;
  };
  afterAll(async () => {
    for (const step of cleanup) await step();
  });

  it("runs a job left active by a crashed process again, and ignores the dead attempt's outcome", async () => {
    const path = tempDb();
    const db = openDb(path);
    // The "crashed" process: its processor never finishes on its own.
    const crashed = open(db);
    let release!: () => void;
    const hung = new Promise<void>((resolve) => (release = resolve));
    let startedThere = false;
    crashed.process('mail', async () => {
      startedThere = true;
      await hung;
      throw new Error('the dead attempt reports late');
    });
    await crashed.add('mail', { to: 'x' }, { jobId: 'j1', attempts: 1 });
    await eventually(() => expect(startedThere).toBe(true));
    expect((await crashed.inspect('j1'))?.state).toBe('active');

    // The restarted process, on the same file (another connection, as after a restart).
    const restarted = open(openDb(path));
    expect((await restarted.inspect('j1'))?.state).toBe('active');
    const seen: number[] = [];
    restarted.process('mail', async (job) => {
      seen.push(job.attempt);
    });
    await eventually(async () => expect((await restarted.inspect('j1'))?.state).toBe('completed'));
    expect(seen).toEqual([1]);

    release();
    await crashed.close();
    expect(await restarted.inspect('j1')).toMatchObject({ state: 'completed', attemptsMade: 1 });
  });

  it('keeps waiting and delayed jobs across a reopening of the database', async () => {
    const path = tempDb();
    const first = openSqliteDatabase(path);
    const before = createSqliteJobQueue(first);
    await before.add('mail', { n: 1 }, { jobId: 'now' });
    await before.add('mail', { n: 2 }, { jobId: 'later', delayMs: 300 });
    await before.close();
    first.close();

    const queue = open(openDb(path));
    expect(await queue.depth()).toBe(2);
    expect(await queue.add('mail', { n: 3 }, { jobId: 'now' })).toBe(false);
    const seen: unknown[] = [];
    queue.process('mail', async (job) => {
      seen.push(job.data);
    });
    await eventually(() => expect(seen).toEqual([{ n: 1 }, { n: 2 }]));
    expect(await queue.depth()).toBe(0);
  });

  it('de-duplicates an id per job name, like a queue per name on BullMQ', async () => {
    const queue = open(openDb(tempDb()));
    expect(await queue.add('send-mail', {}, { jobId: 'event-1' })).toBe(true);
    expect(await queue.add('expire-challenge', {}, { jobId: 'event-1' })).toBe(true);
    expect(await queue.add('send-mail', {}, { jobId: 'event-1' })).toBe(false);
    expect(await queue.depth()).toBe(2);
  });

  it('forgets a finished job after the retention: pruned, and its id can be added again', async () => {
    let now = Date.now();
    const db = openDb(tempDb());
    const queue = open(db, { clock: () => now });
    queue.process('mail', async () => undefined);
    await queue.add('mail', {}, { jobId: 'old' });
    await eventually(async () => expect((await queue.inspect('old'))?.state).toBe('completed'));
    now += JOB_RETENTION_MS - 1000;
    expect(await queue.add('mail', {}, { jobId: 'old' })).toBe(false);
    now += 2000;
    // A second instance's add prunes (at most every few minutes per instance).
    const other = open(db, { clock: () => now });
    await other.add('mail', {}, { jobId: 'unrelated' });
    expect(db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE id = 'old'").get()).toEqual({ n: 0 });
    expect(await queue.add('mail', {}, { jobId: 'old' })).toBe(true);
  });

  it('a processor registered twice for one name is refused', async () => {
    const queue = open(openDb(tempDb()));
    queue.process('mail', async () => undefined);
    expect(() => queue.process('mail', async () => undefined)).toThrow(/already processed/);
  });
});

describe.skipIf(!requireRedis())('BullMQ job queue on a real redis-server', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  // A fresh key prefix per queue: nothing is shared between tests.
  jobQueueContract('BullMQ', () => openBullmqJobQueue(redis.url, { prefix: `t${randomUUID().slice(0, 8)}` }));

  describe('through a Redis restart', () => {
    let durable: RedisServer;
    beforeAll(async () => {
      durable = await startRedis({ appendOnly: true });
    });
    afterAll(async () => {
      await durable?.stop();
    });

    it('keeps its jobs, resumes processing, and fails an add fast while Redis is down', async () => {
      const queue = await openBullmqJobQueue(durable.url, { prefix: 'restart', addTimeoutMs: 1000 });
      try {
        const seen: string[] = [];
        queue.process('mail', async (job) => {
          seen.push(job.id);
        });
        await queue.add('mail', {}, { jobId: 'before' });
        await queue.add('mail', {}, { jobId: 'delayed', delayMs: 1500 });
        await eventually(() => expect(seen).toEqual(['before']));

        await durable.stop();
        const started = Date.now();
        await expect(queue.add('mail', {}, { jobId: 'during' })).rejects.toThrow();
        // Not a timing contract: only "does not hang" (the add gives up after addTimeoutMs = 1 s).
        expect(Date.now() - started).toBeLessThan(4000);

        await durable.restart();
        await queue.add('mail', {}, { jobId: 'after' });
        await eventually(() => expect([...seen].sort()).toEqual(['after', 'before', 'delayed']), 8000);
        expect(seen.filter((id) => id === 'during')).toEqual([]);
      } finally {
        await queue.close();
      }
    });

    it('an add during a short outage waits for Redis and succeeds', async () => {
      const queue = await openBullmqJobQueue(durable.url, { prefix: 'blip' });
      try {
        await durable.stop();
        const added = queue.add('mail', { n: 1 }, { jobId: 'blip' });
        await sleep(300);
        await durable.restart();
        expect(await added).toBe(true);
        expect(await queue.inspect('blip')).toEqual({ state: 'waiting', data: { n: 1 }, attemptsMade: 0 });
      } finally {
        await queue.close();
      }
    });
  });
});
