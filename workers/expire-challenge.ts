import { randomUUID } from 'node:crypto';
import type { JobProcessor } from '../src/ports/job-queue.js';

export interface ExpireChallengeJob extends Record<string, unknown> {
  challengeId: string;
}

/**
 * Records that a challenge expired. Expiry is already enforced whenever the challenge is used,
 * so a late or repeated job changes nothing but tidiness.
 */
export const expireChallengeProcessor =
  (
    expire: (
      challengeId: string,
      ctx: { commandId: string; correlationId: string; actor: null; ip: null; userAgent: null },
    ) => Promise<void>,
  ): JobProcessor<ExpireChallengeJob> =>
  async (job) => {
    await expire(job.data.challengeId, {
      commandId: randomUUID(),
      correlationId: job.id,
      actor: null,
      ip: null,
      userAgent: null,
    });
  };
