/**
 * The webhook delivery log port: one durable record per (endpoint, event), what admins list and
 * retry, and what keeps deliveries in order per account. SQLite beside the events in embedded
 * mode, a read-store collection (MongoDB) otherwise; test/contract/webhook-deliveries.contract.ts
 * is the contract both keep.
 *
 * A delivery's line is its endpoint and account: at most one of a line is `pending` (being tried)
 * at a time, the others wait `held` and go in position order, so a receiver hears of one account's
 * changes in the order they happened.
 */

/**
 * - `held`: waits for an earlier delivery of its line.
 * - `pending`: being tried; a job is due at `nextAttemptAt`.
 * - `delivered`: a 2xx came back.
 * - `failed`: tried for the whole retry window without a 2xx.
 * - `skipped`: not sent (the endpoint was off or deleted, or the event is gone).
 */
export type DeliveryStatus = 'held' | 'pending' | 'delivered' | 'failed' | 'skipped';

export const FINAL_STATUSES: readonly DeliveryStatus[] = ['delivered', 'failed', 'skipped'];

export interface Delivery {
  endpointId: string;
  /** The event it carries; also the delivery's id within its endpoint. */
  eventId: string;
  /** The catalogue type (`user.created`, …). */
  eventType: string;
  /** The account it is about: its line's key. */
  accountId: string;
  streamId: string;
  /** The event's revision in its stream and its commit position, as decimal strings (64-bit). */
  revision: string;
  position: string;
  /** When the event happened (ISO 8601). */
  eventTime: string;
  status: DeliveryStatus;
  /** 0 at first; one more for each retry an admin asks for, or each replay that includes it. */
  round: number;
  /** Tries in this round. */
  attempts: number;
  firstAttemptAt: string | null;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  /** Why the last try failed, as a code (`http_500`, `timeout`, `address_refused`, …); never a message. */
  lastError: string | null;
  /** The HTTP status of the last answer, if there was one. */
  lastStatus: number | null;
  /** The start of the last answer's body: at most 1 KB, dropped when the account is erased. */
  lastResponse: string | null;
  /** The replay that last reset it, if any. */
  replayId: string | null;
  createdAt: string;
}

export type NewDelivery = Pick<
  Delivery,
  'endpointId' | 'eventId' | 'eventType' | 'accountId' | 'streamId' | 'revision' | 'position' | 'eventTime'
>;

/** What `change` may set: everything but the identity of the delivery and its event. */
export type DeliveryChanges = Partial<
  Pick<
    Delivery,
    | 'status'
    | 'round'
    | 'attempts'
    | 'firstAttemptAt'
    | 'lastAttemptAt'
    | 'nextAttemptAt'
    | 'deliveredAt'
    | 'lastError'
    | 'lastStatus'
    | 'lastResponse'
    | 'replayId'
  >
>;

export interface WebhookDeliveryLog {
  /** Records a delivery `held` with round 0 and no tries; false (and nothing changes) if the endpoint already has one for this event. */
  add(delivery: NewDelivery, at: string): Promise<boolean>;
  get(endpointId: string, eventId: string): Promise<Delivery | null>;
  /** An endpoint's deliveries, newest event first; only those before `beforePosition` (exclusive) and of `status` when given. */
  list(
    endpointId: string,
    options: { status?: DeliveryStatus; beforePosition?: string; limit: number },
  ): Promise<Delivery[]>;
  /**
   * Applies `changes` only if the delivery is still in one of `expected.statuses` and in round
   * `expected.round` (a compare-and-set: two workers or a worker and an admin cannot both win).
   * True if it applied.
   */
  change(
    endpointId: string,
    eventId: string,
    expected: { statuses: readonly DeliveryStatus[]; round: number },
    changes: DeliveryChanges,
  ): Promise<boolean>;
  /** A line's state: its pending delivery (the earliest, should there be several), and its earliest held one. */
  line(endpointId: string, accountId: string): Promise<{ pending: Delivery | null; firstHeld: Delivery | null }>;
  /** Per endpoint with any: how many are held or pending, and the event time of the oldest of them. */
  backlog(): Promise<{ endpointId: string; waiting: number; oldestEventTime: string }[]>;
  /** Records a failed try: keeps the earliest failure since the last success, and answers it. */
  failedAt(endpointId: string, at: string): Promise<string>;
  /** Records a success: the endpoint is no longer failing. */
  succeeded(endpointId: string): Promise<void>;
  /** Drops the receivers' answers kept for this account's deliveries (the account is erased). */
  forgetAccount(accountId: string): Promise<void>;
  /** Deletes an endpoint's deliveries and its failure record (the endpoint is deleted). */
  dropEndpoint(endpointId: string): Promise<void>;
}
