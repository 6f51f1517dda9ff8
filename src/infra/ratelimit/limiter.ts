import { Redis } from 'ioredis';
import { RateLimiterCluster, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiter } from '../../ports/rate-limiter.js';

/**
 * `points` requests per `durationS` per key, with rate-limiter-flexible: shared through Redis when
 * there is one (an in-memory limiter takes over while Redis is down, so the API keeps answering);
 * else, in one of several API processes (`cluster`), held by their primary and asked over IPC (the
 * in-memory one takes over if it does not answer); else in memory.
 */
export function createRateLimiter(options: {
  points: number;
  durationS: number;
  redisUrl?: string;
  keyPrefix?: string;
  cluster?: boolean;
}): RateLimiter {
  const memory = new RateLimiterMemory({
    points: options.points,
    duration: options.durationS,
    keyPrefix: options.keyPrefix ?? 'rl',
  });
  let redis: Redis | null = null;
  let limiter: RateLimiterMemory | RateLimiterRedis | RateLimiterCluster = memory;
  if (options.redisUrl) {
    // The library's advice: no offline queue, so a Redis outage fails fast into the insurance limiter.
    redis = new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    redis.on('error', () => undefined);
    limiter = new RateLimiterRedis({
      storeClient: redis,
      points: options.points,
      duration: options.durationS,
      keyPrefix: options.keyPrefix ?? 'rl',
      insuranceLimiter: memory,
    });
  } else if (options.cluster) {
    limiter = new RateLimiterCluster({
      points: options.points,
      duration: options.durationS,
      keyPrefix: options.keyPrefix ?? 'rl',
      timeoutMs: 1000,
    });
  }
  /** The primary's answer, or (it did not answer in time) this process's own count. */
  const insured = async <R>(ask: (l: typeof limiter) => Promise<R>): Promise<R> => {
    if (limiter === memory || limiter instanceof RateLimiterRedis) return ask(limiter);
    try {
      return await ask(limiter);
    } catch (error) {
      if (error instanceof RateLimiterRes) throw error;
      return ask(memory);
    }
  };
  return {
    async consume(key) {
      try {
        await insured((l) => l.consume(key));
        return { allowed: true };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes)
          return { allowed: false, retryAfterSeconds: Math.ceil(rejection.msBeforeNext / 1000) };
        throw rejection;
      }
    },
    async check(key) {
      const res = await insured((l) => l.get(key));
      return res && res.remainingPoints <= 0
        ? { allowed: false, retryAfterSeconds: Math.ceil(res.msBeforeNext / 1000) }
        : { allowed: true };
    },
    async close() {
      redis?.disconnect();
    },
  };
}
