/**
 * Deliveries in order per account. Each (endpoint, account) is a line: one delivery of it is
 * `pending` at a time, the later ones wait `held`, and when one is over (delivered, failed,
 * skipped) the earliest held one is promoted and its first try is queued.
 *
 * Every step is written first and acted on second, and each can be repeated: a promotion is a
 * compare-and-set (two advances cannot both promote), and a try's job id names the delivery, its
 * round and the try, so queueing it again adds nothing. A crash between the two is mended by the
 * next advance of the line (the reactor advances after each event, the worker after each try).
 */
import type { JobQueue } from '../ports/job-queue.js';
import type { Delivery, WebhookDeliveryLog } from '../ports/webhook-deliveries.js';

export const WEBHOOK_DELIVERY = 'webhook-delivery';

/** One try of one delivery. */
export interface DeliveryJob extends Record<string, unknown> {
  endpointId: string;
  eventId: string;
  round: number;
  /** 1 for the first try of the round. */
  attempt: number;
}

export const deliveryJobId = (delivery: Pick<Delivery, 'endpointId' | 'eventId'>, round: number, attempt: number) =>
  `whd:${delivery.endpointId}:${delivery.eventId}:${round}:${attempt}`;

/**
 * The queue's own retries of one try are for the worker's trouble (a store that did not answer,
 * a process that died mid-try), not the receiver's: those are scheduled as new tries.
 */
const TRY_JOB = { attempts: 8, backoffMs: 5_000 } as const;

export function deliveryLines(deps: { log: WebhookDeliveryLog; queue: JobQueue; clock: () => Date }) {
  const { log, queue, clock } = deps;

  /** Queues the next try of a pending delivery, due at its `nextAttemptAt`. */
  const schedule = async (delivery: Delivery) => {
    const attempt = delivery.attempts + 1;
    const due = delivery.nextAttemptAt ? Date.parse(delivery.nextAttemptAt) : clock().getTime();
    const job: DeliveryJob = {
      endpointId: delivery.endpointId,
      eventId: delivery.eventId,
      round: delivery.round,
      attempt,
    };
    await queue.add(WEBHOOK_DELIVERY, job, {
      jobId: deliveryJobId(delivery, delivery.round, attempt),
      delayMs: Math.max(0, due - clock().getTime()),
      ...TRY_JOB,
    });
  };

  return {
    schedule,

    /** Makes sure the line moves: its pending delivery has its try queued, or its earliest held one becomes pending. */
    async advance(endpointId: string, accountId: string) {
      const { pending, firstHeld } = await log.line(endpointId, accountId);
      if (pending) return schedule(pending);
      if (!firstHeld) return;
      const now = clock().toISOString();
      const promoted = await log.change(
        endpointId,
        firstHeld.eventId,
        { statuses: ['held'], round: firstHeld.round },
        { status: 'pending', nextAttemptAt: now },
      );
      if (promoted) await schedule({ ...firstHeld, status: 'pending', nextAttemptAt: now });
    },
  };
}

export type DeliveryLines = ReturnType<typeof deliveryLines>;
