import { refuse } from '../shared/errors.js';
import type { Decider } from '../shared/decider.js';

/**
 * A webhook endpoint: where the service tells another app what happened to accounts. Stream:
 * `webhook-<uuid>`. Its signing secret is sealed under the endpoint's own key (subject
 * `webhook:<id>`), which deleting the endpoint destroys. A rotated-out secret stays valid until
 * `previousValidUntil` (24 h), so receivers can switch without losing a delivery.
 */
export type WebhookFormat = 'standard' | 'set';

export type EndpointSettings = {
  url: string;
  /** Catalogue event types (`user.created`, …); empty: none. */
  events: string[];
  description: string | null;
};

export type WebhookEvent =
  | {
      type: 'WebhookEndpointCreated';
      data: EndpointSettings & {
        endpointId: string;
        format: WebhookFormat;
        includePersonalData: boolean;
        secret: string;
        /** Events at or before this position are not delivered (a new endpoint starts at the head). */
        startPosition: string;
        by: string;
      };
    }
  | { type: 'WebhookEndpointUpdated'; data: Partial<EndpointSettings> & { enabled?: boolean; by: string } }
  | {
      type: 'WebhookSecretRotated';
      data: { secret: string; previousSecret: string; previousValidUntil: string; by: string };
    }
  | { type: 'WebhookEndpointDisabled'; data: { reason: 'failing' } }
  | {
      type: 'WebhookReplayRequested';
      /** Deliver again the events after `fromPosition` (or from `fromTime` on) up to this event. */
      data: { replayId: string; fromPosition: string | null; fromTime: string | null; by: string };
    }
  | { type: 'WebhookEndpointDeleted'; data: { by: string } };

export type WebhookCommand =
  | {
      type: 'CreateWebhookEndpoint';
      data: EndpointSettings & {
        endpointId: string;
        format: WebhookFormat;
        includePersonalData: boolean;
        secret: string;
        startPosition: bigint;
        by: string;
      };
    }
  | { type: 'UpdateWebhookEndpoint'; data: Partial<EndpointSettings> & { enabled?: boolean; by: string } }
  | { type: 'RotateWebhookSecret'; data: { secret: string; now: Date; by: string } }
  | { type: 'DisableFailingWebhookEndpoint'; data: Record<string, never> }
  | {
      type: 'ReplayWebhookDeliveries';
      data: { replayId: string; fromPosition: string | null; fromTime: string | null; by: string };
    }
  | { type: 'DeleteWebhookEndpoint'; data: { by: string } };

export interface WebhookState {
  status: 'none' | 'active' | 'deleted';
  endpointId: string | null;
  enabled: boolean;
  /** Where and how it is delivered (what a delivery reads of the endpoint). */
  url: string | null;
  format: WebhookFormat;
  includePersonalData: boolean;
  secret: string | null;
  /** The rotated-out secret, which signs beside the new one until `validUntil`. */
  previous: { secret: string; validUntil: string } | null;
}

/** Secrets are sealed: a deleted endpoint's key goes, and with it every secret it ever had. */
export const personalFields: { [T in WebhookEvent['type']]: string[] } = {
  WebhookEndpointCreated: ['secret'],
  WebhookEndpointUpdated: [],
  WebhookSecretRotated: ['secret', 'previousSecret'],
  WebhookEndpointDisabled: [],
  WebhookReplayRequested: [],
  WebhookEndpointDeleted: [],
};

export const webhookStream = (endpointId: string) => `webhook-${endpointId}`;
export const webhookSubject = (endpointId: string) => `webhook:${endpointId}`;

/** How long a rotated-out secret still signs alongside the new one. */
export const PREVIOUS_SECRET_VALID_MS = 24 * 3_600_000;

export const initialState = (): WebhookState => ({
  status: 'none',
  endpointId: null,
  enabled: false,
  url: null,
  format: 'standard',
  includePersonalData: false,
  secret: null,
  previous: null,
});

export const evolve = (state: WebhookState, event: WebhookEvent): WebhookState => {
  switch (event.type) {
    case 'WebhookEndpointCreated': {
      const { endpointId, url, format, includePersonalData, secret } = event.data;
      return { ...state, status: 'active', endpointId, enabled: true, url, format, includePersonalData, secret };
    }
    case 'WebhookEndpointUpdated':
      return {
        ...state,
        ...(event.data.enabled === undefined ? {} : { enabled: event.data.enabled }),
        ...(event.data.url === undefined ? {} : { url: event.data.url }),
      };
    case 'WebhookSecretRotated': {
      const { secret, previousSecret, previousValidUntil } = event.data;
      return { ...state, secret, previous: { secret: previousSecret, validUntil: previousValidUntil } };
    }
    case 'WebhookEndpointDisabled':
      return { ...state, enabled: false };
    case 'WebhookReplayRequested':
      return state;
    case 'WebhookEndpointDeleted':
      return { ...state, status: 'deleted', enabled: false, secret: null, previous: null };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
};

const exists = (state: WebhookState) => {
  if (state.status !== 'active') refuse('not_found', 'No such webhook endpoint');
};

export const decide = (command: WebhookCommand, state: WebhookState): WebhookEvent[] => {
  switch (command.type) {
    case 'CreateWebhookEndpoint': {
      if (state.status !== 'none') return refuse('conflict', 'This endpoint exists');
      const { startPosition, ...data } = command.data;
      return [{ type: 'WebhookEndpointCreated', data: { ...data, startPosition: String(startPosition) } }];
    }
    case 'UpdateWebhookEndpoint': {
      exists(state);
      const changes = Object.fromEntries(Object.entries(command.data).filter(([, value]) => value !== undefined));
      return [{ type: 'WebhookEndpointUpdated', data: changes as typeof command.data }];
    }
    case 'RotateWebhookSecret': {
      exists(state);
      const { secret, now, by } = command.data;
      const previousValidUntil = new Date(now.getTime() + PREVIOUS_SECRET_VALID_MS).toISOString();
      return [
        { type: 'WebhookSecretRotated', data: { secret, previousSecret: state.secret!, previousValidUntil, by } },
      ];
    }
    case 'DisableFailingWebhookEndpoint':
      exists(state);
      // Already off (by an admin, or by an earlier decision): nothing to record.
      return state.enabled ? [{ type: 'WebhookEndpointDisabled', data: { reason: 'failing' } }] : [];
    case 'ReplayWebhookDeliveries': {
      exists(state);
      // A turned-off endpoint would skip every replayed delivery: it is turned on first.
      if (!state.enabled) refuse('conflict', 'This endpoint is turned off: turn it on first, then replay');
      const { fromPosition, fromTime } = command.data;
      if ((fromPosition === null) === (fromTime === null))
        refuse('validation_failed', 'Give one of from_position and from_time');
      return [{ type: 'WebhookReplayRequested', data: command.data }];
    }
    case 'DeleteWebhookEndpoint':
      exists(state);
      return [{ type: 'WebhookEndpointDeleted', data: command.data }];
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
};

export const webhookDecider: Decider<WebhookCommand, WebhookEvent, WebhookState> = { initialState, evolve, decide };
