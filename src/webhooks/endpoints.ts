/**
 * Webhook endpoints, as admins manage them (POST/GET/PATCH/DELETE /admin/webhooks, rotate the
 * secret). Each endpoint is an aggregate of its own (`domain/webhook/decider.ts`); its secret is
 * shown once, at creation and at each rotation, and is otherwise only ever unsealed by the worker
 * that signs a delivery.
 */
import { randomUUID } from 'node:crypto';
import { refuse } from '../../domain/shared/errors.js';
import {
  webhookDecider,
  webhookStream,
  webhookSubject,
  type WebhookCommand,
  type WebhookEvent,
  type WebhookFormat,
  type WebhookState,
} from '../../domain/webhook/decider.js';
import { WEBHOOK_ENDPOINTS } from '../../projections/webhooks.js';
import { SYSTEM } from '../accounts/mailbox-checks.js';
import type { AccountServices } from '../accounts/services.js';
import type { Caller, RequestInfo } from '../accounts/types.js';
import type { Doc } from '../ports/read-store.js';

/** What the endpoint rules need from outside: the URL check (SSRF), the catalogue, a new secret. */
export interface WebhookRules {
  /** At creation and on a URL change: https (unless allowed), and no private address after DNS. */
  checkUrl(url: string): Promise<{ ok: true } | { ok: false; reason: string }>;
  eventTypes: readonly string[];
  newSecret(): string;
}

export interface EndpointInput {
  url: string;
  events: string[];
  description?: string | null;
  format: WebhookFormat;
  includePersonalData: boolean;
}

export const endpointView = (doc: Doc) => ({
  id: doc._id,
  url: doc.url as string,
  events: doc.events as string[],
  description: (doc.description as string | null) ?? null,
  format: doc.format as WebhookFormat,
  include_personal_data: doc.include_personal_data === true,
  enabled: doc.enabled === true,
  disabled_reason: (doc.disabled_reason as string | null) ?? null,
  created_at: doc.created_at as string,
  updated_at: doc.updated_at as string,
  secret_rotated_at: (doc.secret_rotated_at as string | null) ?? null,
});

export function webhookEndpoints(services: AccountServices, rules: WebhookRules) {
  const { deps, commandContext, awaitReadModels } = services;
  const endpoints = () => deps.projections.collection('webhooks', WEBHOOK_ENDPOINTS);
  const decide = (endpointId: string, command: WebhookCommand, caller: Caller, request: RequestInfo) =>
    deps.commands.handle<WebhookEvent, WebhookState>(
      webhookDecider,
      webhookStream(endpointId),
      (state) => webhookDecider.decide(command, state),
      commandContext(request, caller.userId),
    );

  const checkUrl = async (url: string) => {
    const checked = await rules.checkUrl(url);
    if (!checked.ok) refuse('validation_failed', `url: ${checked.reason}`, [{ path: 'url', message: checked.reason }]);
  };
  const checkEvents = (events: string[]) => {
    const unknown = events.filter((type) => !rules.eventTypes.includes(type));
    if (unknown.length)
      refuse('validation_failed', `Unknown event types: ${unknown.join(', ')}`, [
        { path: 'events', message: `unknown: ${unknown.join(', ')}` },
      ]);
  };
  const checkPosition = async (position: string) => {
    const invalid = (message: string) =>
      refuse('validation_failed', `from_position: ${message}`, [{ path: 'from_position', message }]);
    const wanted = BigInt(position);
    if (wanted > (await deps.eventStore.headPosition())) invalid('is beyond the newest event');
    // EventStoreDB reads only from a position it gave out: one it refuses here would stop the replay later.
    await deps.eventStore
      .readAll({ fromPosition: wanted, maxCount: 1 })
      .catch(() => invalid('is not the position of an event'));
  };
  const current = async (endpointId: string) => {
    const doc = await endpoints().findOne({ _id: endpointId });
    if (!doc) refuse('not_found', 'No such webhook endpoint');
    return endpointView(doc!);
  };

  return {
    /** 201 with the endpoint and its signing secret, shown this once. It starts at the store's head. */
    async createWebhookEndpoint(caller: Caller, input: EndpointInput, request: RequestInfo) {
      await checkUrl(input.url);
      checkEvents(input.events);
      const endpointId = randomUUID();
      const secret = rules.newSecret();
      const startPosition = await deps.eventStore.headPosition();
      const result = await decide(
        endpointId,
        {
          type: 'CreateWebhookEndpoint',
          data: {
            endpointId,
            url: input.url,
            events: [...new Set(input.events)],
            description: input.description ?? null,
            format: input.format,
            includePersonalData: input.includePersonalData,
            secret,
            startPosition,
            by: caller.userId,
          },
        },
        caller,
        request,
      );
      await awaitReadModels(result);
      return { endpoint: { ...(await current(endpointId)), secret }, position: result.position };
    },

    async listWebhookEndpoints() {
      return (await endpoints().find({}, { sort: { created_at: 1 } })).map(endpointView);
    },

    getWebhookEndpoint: current,

    /** URL, events, description, enabled: only what is sent changes; a new URL is checked again. */
    async updateWebhookEndpoint(
      caller: Caller,
      endpointId: string,
      input: { url?: string; events?: string[]; description?: string | null; enabled?: boolean },
      request: RequestInfo,
    ) {
      if (input.url !== undefined) await checkUrl(input.url);
      if (input.events) checkEvents(input.events);
      const events = input.events ? [...new Set(input.events)] : undefined;
      const result = await decide(
        endpointId,
        { type: 'UpdateWebhookEndpoint', data: { ...input, events, by: caller.userId } },
        caller,
        request,
      );
      await awaitReadModels(result);
      return { endpoint: await current(endpointId), position: result.position };
    },

    /** A new secret, shown this once; the old one keeps signing beside it for 24 hours. */
    async rotateWebhookSecret(caller: Caller, endpointId: string, request: RequestInfo) {
      const secret = rules.newSecret();
      const result = await decide(
        endpointId,
        { type: 'RotateWebhookSecret', data: { secret, now: deps.clock(), by: caller.userId } },
        caller,
        request,
      );
      await awaitReadModels(result);
      return { endpoint: { ...(await current(endpointId)), secret }, position: result.position };
    },

    /**
     * Asks for the events after `fromPosition` (exclusive: "I have everything up to here"), or from
     * `fromTime` on, to be delivered again, up to this request; the webhooks reactor carries it
     * out (replay.ts). The position must be one this store gave out (an event's, or an
     * X-Event-Position), and not beyond the newest event.
     */
    async requestReplay(
      caller: Caller,
      endpointId: string,
      from: { fromPosition: string | null; fromTime: string | null },
      request: RequestInfo,
    ) {
      if (from.fromPosition !== null) await checkPosition(from.fromPosition);
      const replayId = randomUUID();
      const result = await decide(
        endpointId,
        { type: 'ReplayWebhookDeliveries', data: { replayId, ...from, by: caller.userId } },
        caller,
        request,
      );
      return {
        replay: {
          id: replayId,
          from_position: from.fromPosition,
          from_time: from.fromTime,
          to_position: String(result.position),
        },
        position: result.position,
      };
    },

    /**
     * For the delivery worker, when an endpoint keeps failing: turns it off (`WebhookEndpointDisabled`,
     * reason `failing`), recorded as the service's own act (no caller). Every admin is mailed about it
     * by the jobs reactor (workers/notices.ts), so this only records the fact. An endpoint already off
     * records nothing: `disabled` is false, and no second mail goes out; so does one deleted meanwhile.
     */
    async disableFailingEndpoint(endpointId: string): Promise<{ disabled: boolean; position: bigint | null }> {
      const result = await deps.commands.handle<WebhookEvent, WebhookState>(
        webhookDecider,
        webhookStream(endpointId),
        (state) =>
          state.status === 'active'
            ? webhookDecider.decide({ type: 'DisableFailingWebhookEndpoint', data: {} }, state)
            : [],
        commandContext(SYSTEM, null),
      );
      return { disabled: result.events.length > 0, position: result.position };
    },

    /** Deleted: no more deliveries, and its key (so every secret it had) is destroyed. */
    async deleteWebhookEndpoint(caller: Caller, endpointId: string, request: RequestInfo) {
      const result = await decide(
        endpointId,
        { type: 'DeleteWebhookEndpoint', data: { by: caller.userId } },
        caller,
        request,
      );
      await deps.keyStore.destroy(webhookSubject(endpointId));
      deps.codec.forget(webhookSubject(endpointId));
      await awaitReadModels(result);
      return { position: result.position };
    },
  };
}

export type WebhookEndpoints = ReturnType<typeof webhookEndpoints>;
