/** What both delivery log adapters (SQLite and read store) share: the position's sort key and the fields `change` may set. */
import type { DeliveryChanges } from '../ports/webhook-deliveries.js';

const MAX_POSITION = 2n ** 64n - 1n;
const KEY_DIGITS = 20; // 2^64 - 1 has 20 decimal digits.

/**
 * A commit position as a text key that sorts as the number does: zero-padded to 20 digits.
 * Text, not an integer, because SQLite's integers and JS numbers stop at 2^63 - 1 and 2^53.
 * Only the canonical form is taken (no sign, no leading zero), so the key reads back as it was given.
 */
export function positionKey(position: string): string {
  if (!/^(0|[1-9]\d{0,19})$/.test(position) || BigInt(position) > MAX_POSITION) {
    throw new RangeError(`not a 64-bit commit position: ${JSON.stringify(position)}`);
  }
  return position.padStart(KEY_DIGITS, '0');
}

export const positionFromKey = (key: string): string => key.replace(/^0+(?=\d)/, '');

/** The fields `change` may set, with their SQLite column. */
export const CHANGEABLE = {
  status: 'status',
  round: 'round',
  attempts: 'attempts',
  firstAttemptAt: 'first_attempt_at',
  lastAttemptAt: 'last_attempt_at',
  nextAttemptAt: 'next_attempt_at',
  deliveredAt: 'delivered_at',
  lastError: 'last_error',
  lastStatus: 'last_status',
  lastResponse: 'last_response',
  replayId: 'replay_id',
} as const satisfies Record<keyof DeliveryChanges, string>;

export type ChangeableField = keyof typeof CHANGEABLE;

/**
 * The changes actually given: a field set to `undefined` is left alone (as if absent); a field
 * outside DeliveryChanges is refused, since it would rewrite a delivery's identity or, in SQL, a
 * column name no one checked.
 */
export function givenChanges(changes: DeliveryChanges): [ChangeableField, unknown][] {
  const given: [ChangeableField, unknown][] = [];
  for (const [field, value] of Object.entries(changes)) {
    if (!Object.hasOwn(CHANGEABLE, field)) throw new Error(`a delivery's ${field} cannot change`);
    if (value !== undefined) given.push([field as ChangeableField, value]);
  }
  return given;
}
