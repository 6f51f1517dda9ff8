/**
 * Webhooks put together: the endpoints admins manage, their deliveries (listed, retried,
 * replayed), the reaction that records deliveries from the events, and the processor that sends
 * one try.
 */
import type { AccountServices } from '../accounts/services.js';
import type { Config } from '../config.js';
import type { EventCodec } from '../events/codec.js';
import type { Metrics } from '../metrics.js';
import type { EventStore } from '../ports/event-store.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { WebhookDeliveryLog } from '../ports/webhook-deliveries.js';
import type { ProjectionRunner } from '../projections/runner.js';
import type { TokenSigner } from '../tokens/jwt.js';
import { WEBHOOK_ENDPOINTS } from '../../projections/webhooks.js';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/catalogue.js';
import { deliveryAdmin } from '../webhooks/delivery-admin.js';
import { webhooksReaction } from '../webhooks/deliveries.js';
import { deliveryProcessor } from '../webhooks/delivery-worker.js';
import { webhookEndpoints } from '../webhooks/endpoints.js';
import { newWebhookSecret } from '../webhooks/formats.js';
import { deliveryLines } from '../webhooks/lines.js';
import { checkWebhookUrl, outboundPolicy } from '../webhooks/outbound.js';
import { replayWalk } from '../webhooks/replay.js';

export function createWebhooks(deps: {
  services: AccountServices;
  config: Config;
  eventStore: EventStore;
  codec: EventCodec;
  signer: TokenSigner;
  clock: () => Date;
  log: WebhookDeliveryLog;
  queue: JobQueue;
  runner: ProjectionRunner;
  metrics: Metrics;
}) {
  const { services, config, eventStore, codec, signer, clock, log, queue, runner, metrics } = deps;
  // WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE: the same rules at creation and at every send.
  const policy = outboundPolicy(config.webhooks);
  const endpointsView = () => runner.collection('webhooks', WEBHOOK_ENDPOINTS);
  const lines = deliveryLines({ log, queue, clock });
  const endpoints = webhookEndpoints(services, {
    checkUrl: (url) => checkWebhookUrl(url, policy),
    eventTypes: WEBHOOK_EVENT_TYPES,
    newSecret: newWebhookSecret,
  });
  return {
    endpoints,
    deliveries: deliveryAdmin({ log, lines, endpoints: endpointsView, clock }),
    log,
    deliver: deliveryProcessor({
      eventStore,
      codec,
      signer,
      policy,
      issuer: config.publicUrl,
      clock,
      log,
      lines,
      disableFailing: endpoints.disableFailingEndpoint,
      observe: metrics.webhookTry,
    }),
    reaction: webhooksReaction({
      log,
      lines,
      clock,
      replay: replayWalk({ eventStore, codec, log, lines, endpoints: endpointsView, clock }),
      endpoints: endpointsView,
      endpointsShowing: async (position) => {
        // An endpoint made just before the event must be seen: the read model first reaches it.
        if (!(await runner.waitFor(position, ['webhooks'], 30_000)))
          throw new Error('the webhooks read model did not catch up; trying again');
      },
    }),
  };
}

export type Webhooks = ReturnType<typeof createWebhooks>;
