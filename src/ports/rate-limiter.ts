/** The rate limiter port: points per key per window, shared through Redis when there is one, in memory otherwise. */

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  consume(key: string): Promise<RateDecision>;
  /** Whether the key has no points left, without spending one. */
  check(key: string): Promise<RateDecision>;
  close(): Promise<void>;
}
