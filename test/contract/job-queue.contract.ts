import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Job, JobQueue } from '../../src/ports/job-queue.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Vitest's waitFor: `check` again every 20 ms until it stops throwing, for at most `timeoutMs`. */
export const eventually = (check: () => unknown, timeoutMs = 4000): Promise<unknown> =>
  vi.waitFor(check, { timeout: timeoutMs, interval: 20 });

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}
const deferred = (): Deferred => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

/**
 * Runs the job queue contract against one adapter; `open` gives a fresh queue (nothing left from
 * other tests). Job names and ids are unique per test as well.
 */
export function jobQueueContract(name: string, open: () => Promise<JobQueue>) {
  describe(`JobQueue contract: ${name}`, () => {
    let queue: JobQueue;
    let closed: boolean;
    let unique: string;
    const id = (label: string) => `${unique}-${label}`;

    beforeEach(async () => {
      queue = await open();
      closed = false;
      unique = randomUUID().slice(0, 8);
    });
    afterEach(async () => {
      if (!closed) await queue.close();
    });

    it('runs a job once, with its data, on its first attempt', async () => {
      const seen: Job[] = [];
      const jobName = `${unique}-once`;
      queue.process(jobName, async (job) => {
        seen.push(job);
      });
      const data = { to: 'zoë@example.org', nested: { list: [1, 'two', null] } };
      expect(await queue.add(jobName, data, { jobId: id('a') })).toBe(true);
      await eventually(() => expect(seen.length).toBe(1));
      await eventually(async () => expect((await queue.inspect(id('a')))?.state).toBe('completed'));
      await sleep(150);
      expect(seen).toEqual([{ id: id('a'), name: jobName, data, attempt: 1 }]);
      expect(await queue.inspect(id('a'))).toEqual({ state: 'completed', data, attemptsMade: 1 });
    });

    it('knows nothing of an id never added', async () => {
      expect(await queue.inspect(id('never'))).toBeNull();
    });

    it('does not add a known id again (false), before and after it ran, and runs it once', async () => {
      const jobName = `${unique}-dup`;
      expect(await queue.add(jobName, { n: 1 }, { jobId: id('d') })).toBe(true);
      expect(await queue.add(jobName, { n: 2 }, { jobId: id('d') })).toBe(false);
      const seen: unknown[] = [];
      queue.process(jobName, async (job) => {
        seen.push(job.data);
      });
      await eventually(async () => expect((await queue.inspect(id('d')))?.state).toBe('completed'));
      expect(await queue.add(jobName, { n: 3 }, { jobId: id('d') })).toBe(false);
      await sleep(200);
      expect(seen).toEqual([{ n: 1 }]);
    });

    it('of concurrent adds of one id, exactly one resolves true', async () => {
      const jobName = `${unique}-race`;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, n) => queue.add(jobName, { n }, { jobId: id('r'), delayMs: 60_000 })),
      );
      expect(results.filter(Boolean).length).toBe(1);
      expect(await queue.depth()).toBe(1);
    });

    it('takes any string as an id: integers, colons, words a backend may use itself', async () => {
      const jobName = `${unique}-ids`;
      // '-5' and 'NaN' are what BullMQ's own integer test refuses besides digits; '-0', '+5', '1e3' it takes.
      const integers = ['42', '0', '-5', 'NaN', '05', '-0', '+5', '1e3'];
      const ids = [...integers, '', 'delayed', 'meta', 'id', `a:b:${unique}`, `~${unique}`, `${unique} ünïcode/%`];
      const seen: string[] = [];
      queue.process(jobName, async (job) => {
        seen.push(job.id);
      });
      for (const jobId of ids) expect(await queue.add(jobName, {}, { jobId })).toBe(true);
      for (const jobId of integers) expect(await queue.add(jobName, {}, { jobId })).toBe(false);
      await eventually(() => expect([...seen].sort()).toEqual([...ids].sort()));
      for (const jobId of integers) expect((await queue.inspect(jobId))?.state).toBe('completed');
    });

    it('does not run a delayed job before its delay, and runs it after', async () => {
      const jobName = `${unique}-delay`;
      let ranAt: number | undefined;
      queue.process(jobName, async () => {
        ranAt = Date.now();
      });
      const addedAt = Date.now();
      expect(await queue.add(jobName, {}, { jobId: id('late'), delayMs: 400 })).toBe(true);
      expect((await queue.inspect(id('late')))?.state).toBe('delayed');
      await sleep(300);
      expect(ranAt).toBeUndefined();
      await eventually(() => expect(ranAt).toBeDefined());
      expect(ranAt! - addedAt).toBeGreaterThanOrEqual(395);
    });

    it('retries a failing job with exponential backoff until it succeeds', async () => {
      const jobName = `${unique}-retry`;
      const attempts: { attempt: number; at: number }[] = [];
      queue.process(jobName, async (job) => {
        attempts.push({ attempt: job.attempt, at: Date.now() });
        if (job.attempt < 3) throw new Error(`failure ${job.attempt}`);
      });
      await queue.add(jobName, { x: 1 }, { jobId: id('flaky'), attempts: 5, backoffMs: 50 });
      await eventually(async () => expect((await queue.inspect(id('flaky')))?.state).toBe('completed'));
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
      // Lower bounds only: 50 ms, then 100 ms (a little slack for timer and clock granularity).
      expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(45);
      expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(95);
      expect((await queue.inspect(id('flaky')))?.attemptsMade).toBe(3);
    });

    it('ends a job that always fails as failed after its attempts, whatever the processor throws', async () => {
      const jobName = `${unique}-doomed`;
      const attempts: number[] = [];
      queue.process(jobName, (job) => {
        attempts.push(job.attempt);
        // Thrown synchronously, and not an Error: still recorded, never a crash.
        if (job.attempt === 1) throw 'not even an Error';
        return Promise.reject(new Error('still broken'));
      });
      await queue.add(jobName, {}, { jobId: id('doomed'), attempts: 3, backoffMs: 20 });
      await eventually(async () => expect((await queue.inspect(id('doomed')))?.state).toBe('failed'));
      await sleep(200);
      expect(attempts).toEqual([1, 2, 3]);
      expect((await queue.inspect(id('doomed')))?.attemptsMade).toBe(3);
    });

    it("records a failure as a code, never the error's text (which may name an address)", async () => {
      const jobName = `${unique}-scrub`;
      const address = `ada-${unique}@example.test`;
      const rejected = `Can't send mail - all recipients were rejected: 550 5.1.1 <${address}>: Recipient address rejected`;
      const thrown: Record<string, unknown> = {
        [id('code')]: Object.assign(new Error(rejected), { code: 'EENVELOPE' }),
        [id('class')]: new TypeError(address),
        [id('plain')]: new Error(address),
        [id('string')]: address,
        [id('unsafe-code')]: Object.assign(new Error(address), { code: address }),
      };
      const expected: Record<string, string> = {
        [id('code')]: 'EENVELOPE',
        [id('class')]: 'TypeError',
        [id('plain')]: 'job_failed',
        [id('string')]: 'job_failed',
        [id('unsafe-code')]: 'job_failed',
      };
      queue.process(jobName, async (job) => {
        throw thrown[job.id];
      });
      for (const jobId of Object.keys(thrown)) await queue.add(jobName, {}, { jobId, attempts: 1 });
      for (const [jobId, failedReason] of Object.entries(expected)) {
        await eventually(async () =>
          expect(await queue.inspect(jobId)).toEqual({ state: 'failed', data: {}, attemptsMade: 1, failedReason }),
        );
      }
    });

    it('removes the secret fields once a job completes, and keeps the others', async () => {
      const jobName = `${unique}-secret`;
      const seen: unknown[] = [];
      const release = deferred();
      queue.process(jobName, async (job) => {
        seen.push(job.data);
        await release.promise;
      });
      const data = { to: 'a@example.org', code: '123456', link: 'https://x/reset?t=s3cret', keep: 'yes' };
      await queue.add(jobName, data, { jobId: id('s'), secretFields: ['code', 'link'] });
      await eventually(() => expect(seen).toEqual([data]));
      expect((await queue.inspect(id('s')))?.data).toEqual(data);
      release.resolve();
      await eventually(async () => {
        const stored = await queue.inspect(id('s'));
        expect(stored?.state).toBe('completed');
        expect(stored?.data).toEqual({ to: 'a@example.org', keep: 'yes' });
      });
    });

    it('removes the secret fields once a job fails for good, not before', async () => {
      const jobName = `${unique}-secret-fail`;
      const seen: unknown[] = [];
      queue.process(jobName, async (job) => {
        seen.push(job.data);
        throw new Error('smtp down');
      });
      const data = { to: 'a@example.org', code: '654321' };
      await queue.add(jobName, data, { jobId: id('sf'), attempts: 2, backoffMs: 300, secretFields: ['code'] });
      // Between the two attempts the job is delayed and still holds the secret its retry needs.
      await eventually(async () => expect((await queue.inspect(id('sf')))?.state).toBe('delayed'));
      expect((await queue.inspect(id('sf')))?.data).toEqual(data);
      await eventually(async () => {
        const stored = await queue.inspect(id('sf'));
        expect(stored?.state).toBe('failed');
        expect(stored?.data).toEqual({ to: 'a@example.org' });
      });
      expect(seen).toEqual([data, data]);
    });

    it('runs jobs in parallel up to the concurrency', async () => {
      const jobName = `${unique}-parallel`;
      let running = 0;
      let most = 0;
      const release = deferred();
      queue.process(
        jobName,
        async () => {
          running += 1;
          most = Math.max(most, running);
          await release.promise;
          running -= 1;
        },
        { concurrency: 2 },
      );
      for (const label of ['p1', 'p2', 'p3']) await queue.add(jobName, {}, { jobId: id(label) });
      await eventually(() => expect(running).toBe(2));
      await sleep(100);
      expect(most).toBe(2);
      release.resolve();
      await eventually(async () => expect((await queue.inspect(id('p3')))?.state).toBe('completed'));
    });

    it('counts waiting, delayed and active jobs in depth()', async () => {
      const jobName = `${unique}-depth`;
      const busy = `${unique}-busy`;
      expect(await queue.depth()).toBe(0);
      await queue.add(jobName, {}, { jobId: id('w1') });
      await queue.add(jobName, {}, { jobId: id('w2') });
      await queue.add(jobName, {}, { jobId: id('later'), delayMs: 60_000 });
      expect(await queue.depth()).toBe(3);
      const release = deferred();
      let started = false;
      queue.process(busy, async () => {
        started = true;
        await release.promise;
      });
      await queue.add(busy, {}, { jobId: id('active') });
      await eventually(() => expect(started).toBe(true));
      expect(await queue.depth()).toBe(4);
      release.resolve();
      await eventually(async () => expect(await queue.depth()).toBe(3));
    });

    it('close() takes no new job and waits for the active one to finish', async () => {
      const jobName = `${unique}-close`;
      const started: string[] = [];
      let finished = false;
      queue.process(jobName, async (job) => {
        started.push(job.id);
        await sleep(300);
        finished = true;
      });
      await queue.add(jobName, {}, { jobId: id('first') });
      await eventually(() => expect(started).toEqual([id('first')]));
      await queue.add(jobName, {}, { jobId: id('second') });
      closed = true;
      await queue.close();
      expect(finished).toBe(true);
      await sleep(100);
      expect(started).toEqual([id('first')]);
    });
  });
}
