/** Webhooks put together: the endpoints admins manage, and the processor that sends a delivery. */
import type { AccountServices } from '../accounts/services.js';
import type { Config } from '../config.js';
import type { EventCodec } from '../events/codec.js';
import type { EventStore } from '../ports/event-store.js';
import type { TokenSigner } from '../tokens/jwt.js';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/catalogue.js';
import { deliveryProcessor } from '../webhooks/delivery-worker.js';
import { webhookEndpoints } from '../webhooks/endpoints.js';
import { newWebhookSecret } from '../webhooks/formats.js';
import { checkWebhookUrl, outboundPolicy } from '../webhooks/outbound.js';

/** The endpoints' use cases: the admin API's, and the delivery worker's `disableFailingEndpoint`. */
export type { WebhookEndpoints } from '../webhooks/endpoints.js';

export function createWebhooks(deps: {
  services: AccountServices;
  config: Config;
  eventStore: EventStore;
  codec: EventCodec;
  signer: TokenSigner;
  clock: () => Date;
}) {
  const { services, config, eventStore, codec, signer, clock } = deps;
  // WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE: the same rules at creation and at every send.
  const policy = outboundPolicy(config.webhooks);
  return {
    endpoints: webhookEndpoints(services, {
      checkUrl: (url) => checkWebhookUrl(url, policy),
      eventTypes: WEBHOOK_EVENT_TYPES,
      newSecret: newWebhookSecret,
    }),
    deliver: deliveryProcessor({ eventStore, codec, signer, policy, issuer: config.publicUrl, clock }),
  };
}
