/**
 * Sends one delivery: the endpoint as its stream stands now (deleted or disabled: nothing is sent),
 * the event read again and made a payload now (an erasure since then shows), signed (Standard
 * Webhooks with the secret, and the previous one while it is still valid; or a Security Event
 * Token with the service's key), posted through the SSRF-safe sender. Anything but a 2xx throws,
 * and the queue tries again on its backoff.
 */
import { type WebhookEvent, type WebhookState, webhookDecider, webhookStream } from '../../domain/webhook/decider.js';
import type { EventCodec } from '../events/codec.js';
import type { EventStore } from '../ports/event-store.js';
import type { Job } from '../ports/job-queue.js';
import type { TokenSigner } from '../tokens/jwt.js';
import { toWebhookEvent } from './catalogue.js';
import type { DeliveryJob } from './deliveries.js';
import { setDelivery, standardDelivery } from './formats.js';
import { type OutboundPolicy, postWebhook } from './outbound.js';

/** A failed delivery, by its kind only: the queue stores this code, never a URL or an answer. */
export class DeliveryFailed extends Error {
  constructor(readonly code: string) {
    super(code);
    this.name = 'DeliveryFailed';
  }
}

export function deliveryProcessor(deps: {
  eventStore: EventStore;
  codec: EventCodec;
  signer: Pick<TokenSigner, 'signSet'>;
  policy: OutboundPolicy;
  issuer: string;
  clock: () => Date;
}) {
  /** The endpoint as its stream folds now, secrets unsealed (null once its key is destroyed). */
  const endpointOf = async (endpointId: string): Promise<WebhookState> => {
    let state = webhookDecider.initialState();
    for (const recorded of await deps.eventStore.readStream(webhookStream(endpointId)))
      state = webhookDecider.evolve(state, (await deps.codec.decode(recorded)) as unknown as WebhookEvent);
    return state;
  };

  return async (job: Job<DeliveryJob>) => {
    const endpoint = await endpointOf(job.data.endpointId);
    // Deleted (its secrets are gone with its key) or turned off: this delivery is over.
    if (endpoint.status !== 'active' || !endpoint.enabled || !endpoint.secret || !endpoint.url) return;
    const [recorded] = await deps.eventStore.readStream(job.data.streamId, {
      fromRevision: BigInt(job.data.revision),
      maxCount: 1,
    });
    if (!recorded || recorded.id !== job.data.eventId) return;
    const hook = toWebhookEvent(await deps.codec.decode(recorded), {
      includePersonalData: endpoint.includePersonalData,
    });
    if (!hook) return;
    const now = deps.clock();
    const request: { body: string; headers: Record<string, string> } =
      endpoint.format === 'set'
        ? await setDelivery(hook, deps.signer, { issuer: deps.issuer, audience: endpoint.url, now })
        : standardDelivery(hook, endpoint.secret, now);
    if (endpoint.format === 'standard' && endpoint.previous && new Date(endpoint.previous.validUntil) > now) {
      // While a rotated-out secret is valid, both sign: a receiver may still hold either.
      const old = standardDelivery(hook, endpoint.previous.secret, now).headers['webhook-signature']!;
      request.headers['webhook-signature'] = `${request.headers['webhook-signature']} ${old}`;
    }
    const result = await postWebhook(endpoint.url, request.body, request.headers, deps.policy);
    if (result.kind === 'refused') throw new DeliveryFailed('address_refused');
    if (result.kind === 'failed') throw new DeliveryFailed(result.code);
    if (result.status < 200 || result.status >= 300) throw new DeliveryFailed(`http_${result.status}`);
  };
}
