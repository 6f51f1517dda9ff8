import type { RequestHandler } from 'express';
import type { RateLimiter } from '../ports/rate-limiter.js';
import { HttpError } from './errors.js';

/** Per-IP limit for the endpoints anyone can call; `null` (RATE_LIMIT_MAX=0) turns it off. */
export const perIpLimit =
  (limiter: RateLimiter | null): RequestHandler =>
  async (req, _res, next) => {
    if (!limiter) return next();
    const decision = await limiter.consume(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    if (decision.allowed) return next();
    next(
      new HttpError(
        'rate_limited',
        'Too many requests from this address; slow down',
        undefined,
        decision.retryAfterSeconds,
      ),
    );
  };
