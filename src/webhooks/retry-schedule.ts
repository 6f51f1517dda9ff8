/**
 * When a failed delivery is tried again, and when it is given up. The delivery worker schedules
 * each try itself (a job per try, delayed), so the delivery's record can say exactly when the next
 * one is due, and the jitter can be random: receivers that come back after an outage are not hit
 * by every retry in the same second.
 */

/** The first retry's wait; each later one doubles, up to MAX_WAIT_MS. */
export const FIRST_WAIT_MS = 10_000;
export const MAX_WAIT_MS = 4 * 3_600_000;
/** Each wait is drawn from ±JITTER of its nominal length. */
export const JITTER = 0.2;
/** A delivery is tried again until a try fails this long (or longer) after its first: retries span at least 24 hours. */
export const RETRY_FOR_MS = 24 * 3_600_000;
/** An endpoint that has failed every try for this long (no success in between) is turned off. */
export const DISABLE_AFTER_MS = 3 * 24 * 3_600_000;

/**
 * The wait after the `attempt`th try failed (1 for the first): 10 s, 20 s, 40 s, … up to 4 h,
 * each ±20 %. `random` is in [0, 1) (Math.random; tests pass their own).
 */
export const retryWaitMs = (attempt: number, random: number): number => {
  const nominal = Math.min(FIRST_WAIT_MS * 2 ** Math.max(0, attempt - 1), MAX_WAIT_MS);
  return Math.round(nominal * (1 - JITTER + 2 * JITTER * random));
};

/** The next try's time after a failure at `now`, or null once the retry window is over. */
export const nextTry = (firstAttemptAt: Date, now: Date, attempt: number, random: number): Date | null =>
  now.getTime() - firstAttemptAt.getTime() >= RETRY_FOR_MS
    ? null
    : new Date(now.getTime() + retryWaitMs(attempt, random));
