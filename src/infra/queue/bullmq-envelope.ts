/** A job as BullMQ stores it: its id, encoded to BullMQ's rules, and its data in an envelope (see bullmq.ts). */

/** The stored data: the payload, the token of the add() that created it, and the payload's secret fields. */
export interface Envelope {
  payload: Record<string, unknown>;
  token: string;
  secretFields: string[];
}

export const isEnvelope = (data: unknown): data is Envelope =>
  typeof data === 'object' &&
  data !== null &&
  'payload' in data &&
  'token' in data &&
  Array.isArray((data as Envelope).secretFields);

/**
 * BullMQ's own test for "Custom Id cannot be integers" (Job.validateOptions in bullmq 6):
 * `${parseInt(id, 10)}` === id. It refuses '5' and '-5', and 'NaN' too (parseInt gives NaN),
 * but takes '05', '-0', '+5' and '1e3'.
 */
const bullmqRefusesAsInteger = (id: string): boolean => `${Number.parseInt(id, 10)}` === id;

/**
 * BullMQ refuses ids that are integers (see above) or hold ':', and an id spelled like one of a
 * queue's own keys ('delayed', 'meta', 'wait', …: lowercase letters and hyphens) would overwrite
 * that key. The port takes any string: such ids, the empty one, all-digit ones (escaped before the
 * integer test above was used, so '05' stays where jobs already stored put it) and any starting
 * with '~' are stored as '~' + encodeURIComponent(id), a bijection. Event ids (UUIDs) are stored
 * as they are.
 */
export const encodeId = (id: string): string =>
  id === '' ||
  bullmqRefusesAsInteger(id) ||
  /^\d+$/.test(id) ||
  /^[a-z-]+$/.test(id) ||
  id.includes(':') ||
  id.startsWith('~')
    ? `~${encodeURIComponent(id)}`
    : id;
export const decodeId = (id: string): string => (id.startsWith('~') ? decodeURIComponent(id.slice(1)) : id);
