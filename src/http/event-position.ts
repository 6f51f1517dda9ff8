/**
 * Read-your-writes for a client that moves between processes or instances: a request to the API
 * carrying the `X-Event-Position` an earlier answer gave waits (up to READ_YOUR_WRITES_TIMEOUT)
 * until this process's read models have applied that position, then goes on as any request.
 */
import type { Request, Response } from 'express';
import { sendError } from './errors.js';

/** What the header may hold: a commit position, a number below 2^64. */
const POSITION = /^[0-9]{1,20}$/;
const MAX_POSITION = 2n ** 64n - 1n;

/** Where it applies: the API, not the pages nor the probes. */
export const API_PREFIX = '/api/v1/';

/**
 * Runs `next` once the read models have caught up with the request's `X-Event-Position` (or at
 * once without one); a value that is not a position is refused with 400 and nothing else happens.
 * `catchUpTo` resolves when caught up or when the wait gives up: the request is then served from
 * what this process has, as a command's answer is after its own bounded wait.
 */
export function eventPositionGate(catchUpTo: (position: bigint) => Promise<unknown>) {
  return (req: Request, res: Response, next: () => void) => {
    const asked = req.headers['x-event-position'];
    if (asked === undefined || !req.path.startsWith(API_PREFIX)) return next();
    const value = Array.isArray(asked) ? null : asked.trim();
    if (value === null || !POSITION.test(value) || BigInt(value) > MAX_POSITION) {
      sendError(
        res,
        'validation_failed',
        'X-Event-Position must be a position an earlier answer gave (digits only), sent once',
      );
      return;
    }
    catchUpTo(BigInt(value)).then(next, next);
  };
}
