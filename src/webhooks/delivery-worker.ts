/**
 * One try of one delivery: the endpoint as its stream stands now (deleted or turned off: skipped),
 * the event read again and made a payload now (an erasure since then shows), signed (Standard
 * Webhooks with the secret, and the previous one while it is still valid; or a Security Event
 * Token with the service's key), posted through the SSRF-safe sender. The outcome goes to the
 * delivery log: a 2xx is delivered; anything else is tried again on retry-schedule.ts's schedule
 * (a new job per try) until the retry window is over. A try's job throws only when the worker
 * itself is in trouble (a store did not answer); the queue then runs the same try again.
 */
import { type WebhookEvent, type WebhookState, webhookDecider, webhookStream } from '../../domain/webhook/decider.js';
import type { EventCodec } from '../events/codec.js';
import type { EventStore } from '../ports/event-store.js';
import type { Job } from '../ports/job-queue.js';
import type { TokenSigner } from '../tokens/jwt.js';
import { toWebhookEvent } from './catalogue.js';
import type { Delivery, WebhookDeliveryLog } from '../ports/webhook-deliveries.js';
import { setDelivery, standardDelivery } from './formats.js';
import type { DeliveryJob, DeliveryLines } from './lines.js';
import { type OutboundPolicy, postWebhook } from './outbound.js';
import { DISABLE_AFTER_MS, nextTry } from './retry-schedule.js';

/** What a try came to, for the metrics: sent and answered 2xx, failed (to be tried again), failed for good, not sent. */
export type TryOutcome = 'delivered' | 'retrying' | 'failed' | 'skipped';

const RESPONSE_KEPT = 1024;

export function deliveryProcessor(deps: {
  eventStore: EventStore;
  codec: EventCodec;
  signer: Pick<TokenSigner, 'signSet'>;
  policy: OutboundPolicy;
  issuer: string;
  clock: () => Date;
  log: WebhookDeliveryLog;
  lines: DeliveryLines;
  /** Turns off an endpoint that has failed every try for DISABLE_AFTER_MS (the admins get a mail). */
  disableFailing: (endpointId: string) => Promise<unknown>;
  /** In [0, 1): the retries' jitter. Default Math.random. */
  random?: () => number;
  observe?: (endpointId: string, outcome: TryOutcome) => void;
}) {
  const { log, lines } = deps;
  const random = deps.random ?? Math.random;

  /** The endpoint as its stream folds now, secrets unsealed (null once its key is destroyed). */
  const endpointOf = async (endpointId: string): Promise<WebhookState> => {
    let state = webhookDecider.initialState();
    for (const recorded of await deps.eventStore.readStream(webhookStream(endpointId)))
      state = webhookDecider.evolve(state, (await deps.codec.decode(recorded)) as unknown as WebhookEvent);
    return state;
  };

  /** The signed request for this endpoint, or why there is none to send. */
  const requestFor = async (endpoint: WebhookState, delivery: Delivery, now: Date) => {
    // Deleted (its secrets are gone with its key) or turned off: this delivery is over.
    if (endpoint.status !== 'active' || !endpoint.secret || !endpoint.url) return 'endpoint_deleted';
    if (!endpoint.enabled) return 'endpoint_disabled';
    const [recorded] = await deps.eventStore.readStream(delivery.streamId, {
      fromRevision: BigInt(delivery.revision),
      maxCount: 1,
    });
    if (!recorded || recorded.id !== delivery.eventId) return 'event_missing';
    const hook = toWebhookEvent(await deps.codec.decode(recorded), {
      includePersonalData: endpoint.includePersonalData,
    });
    if (!hook) return 'event_missing';
    const request: { body: string; headers: Record<string, string> } =
      endpoint.format === 'set'
        ? await setDelivery(hook, deps.signer, { issuer: deps.issuer, audience: endpoint.url, now })
        : standardDelivery(hook, endpoint.secret, now);
    if (endpoint.format === 'standard' && endpoint.previous && new Date(endpoint.previous.validUntil) > now) {
      // While a rotated-out secret is valid, both sign: a receiver may still hold either.
      const old = standardDelivery(hook, endpoint.previous.secret, now).headers['webhook-signature']!;
      request.headers['webhook-signature'] = `${request.headers['webhook-signature']} ${old}`;
    }
    return { url: endpoint.url, ...request };
  };

  return async (job: Job<DeliveryJob>) => {
    const { endpointId, eventId, round, attempt } = job.data;
    const delivery = await log.get(endpointId, eventId);
    if (!delivery) return; // the endpoint was deleted
    if (delivery.status !== 'pending' || delivery.round !== round || delivery.attempts >= attempt) {
      // A try of an earlier round, or one already recorded (the process died before it queued the
      // next): only make sure the delivery and its line go on.
      if (delivery.status === 'pending' && delivery.round === round) await lines.schedule(delivery);
      else await lines.advance(endpointId, delivery.accountId);
      return;
    }
    const now = deps.clock();
    const expected = { statuses: ['pending'] as const, round };
    const tried = { attempts: attempt, firstAttemptAt: delivery.firstAttemptAt ?? now.toISOString() };
    const request = await requestFor(await endpointOf(endpointId), delivery, now);
    if (typeof request === 'string') {
      const changes = { status: 'skipped', nextAttemptAt: null, lastError: request } as const;
      if (await log.change(endpointId, eventId, expected, changes)) deps.observe?.(endpointId, 'skipped');
      return lines.advance(endpointId, delivery.accountId);
    }

    const result = await postWebhook(request.url, request.body, request.headers, deps.policy);
    const answer =
      result.kind === 'answered'
        ? { lastStatus: result.status, lastResponse: result.body.slice(0, RESPONSE_KEPT) || null }
        : { lastStatus: null, lastResponse: null };
    const base = { ...tried, ...answer, lastAttemptAt: now.toISOString() };
    if (result.kind === 'answered' && result.status >= 200 && result.status < 300) {
      const changes = {
        ...base,
        status: 'delivered',
        nextAttemptAt: null,
        deliveredAt: now.toISOString(),
        lastError: null,
      } as const;
      if (await log.change(endpointId, eventId, expected, changes)) deps.observe?.(endpointId, 'delivered');
      await log.succeeded(endpointId);
      return lines.advance(endpointId, delivery.accountId);
    }

    const lastError =
      result.kind === 'refused' ? 'address_refused' : result.kind === 'failed' ? result.code : `http_${result.status}`;
    const next = nextTry(new Date(tried.firstAttemptAt), now, attempt, random());
    const changes = {
      ...base,
      status: next ? 'pending' : 'failed',
      nextAttemptAt: next?.toISOString() ?? null,
      lastError,
    } as const;
    if (await log.change(endpointId, eventId, expected, changes))
      deps.observe?.(endpointId, next ? 'retrying' : 'failed');
    const failingSince = await log.failedAt(endpointId, now.toISOString());
    if (now.getTime() - Date.parse(failingSince) >= DISABLE_AFTER_MS) await deps.disableFailing(endpointId);
    if (next) await lines.schedule({ ...delivery, ...changes });
    else await lines.advance(endpointId, delivery.accountId);
  };
}
