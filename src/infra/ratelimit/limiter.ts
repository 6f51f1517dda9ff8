import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiter } from '../../ports/rate-limiter.js';

/**
 * `points` requests per `durationS` per key, with rate-limiter-flexible: shared through Redis when
 * there is one (an in-memory limiter takes over while Redis is down, so the API keeps answering),
 * in memory otherwise.
 */
export function createRateLimiter(options: {
  points: number;
  durationS: number;
  redisUrl?: string;
  keyPrefix?: string;
}): RateLimiter {
  const memory = new RateLimiterMemory({
    points: options.points,
    duration: options.durationS,
    keyPrefix: options.keyPrefix ?? 'rl',
  });
  let redis: Redis | null = null;
  let limiter: RateLimiterMemory | RateLimiterRedis = memory;
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
  }
  return {
    async consume(key) {
      try {
        await limiter.consume(key);
        return { allowed: true };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes)
          return { allowed: false, retryAfterSeconds: Math.ceil(rejection.msBeforeNext / 1000) };
        throw rejection;
      }
    },
    async check(key) {
      const res = await limiter.get(key);
      return res && res.remainingPoints <= 0
        ? { allowed: false, retryAfterSeconds: Math.ceil(res.msBeforeNext / 1000) }
        : { allowed: true };
    },
    async close() {
      redis?.disconnect();
    },
  };
}
