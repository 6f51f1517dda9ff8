import type { WebhookEvent } from '../domain/webhook/decider.js';
import type { Projection, ProjectionOp } from './types.js';

/**
 * `webhook_endpoints`: each endpoint (`_id` = endpoint id) as admins see it and as the delivery
 * reactor picks its endpoints: never its secret (the worker reads that from the endpoint's stream).
 */
export const WEBHOOK_ENDPOINTS = 'webhook_endpoints';

type Data<T extends WebhookEvent['type']> = Extract<WebhookEvent, { type: T }>['data'];

export const webhooksProjection: Projection = {
  name: 'webhooks',
  version: 1,
  collections: { [WEBHOOK_ENDPOINTS]: [] },
  handles: [
    'WebhookEndpointCreated',
    'WebhookEndpointUpdated',
    'WebhookSecretRotated',
    'WebhookEndpointDisabled',
    'WebhookEndpointDeleted',
  ],
  project(event): ProjectionOp[] {
    const id = event.streamId.slice('webhook-'.length);
    const at = event.created.toISOString();
    const set = (fields: Record<string, unknown>): ProjectionOp[] => [
      {
        collection: WEBHOOK_ENDPOINTS,
        kind: 'update',
        filter: { _id: id },
        update: { $set: { ...fields, updated_at: at } },
      },
    ];
    switch (event.type as WebhookEvent['type']) {
      case 'WebhookEndpointCreated': {
        const data = event.data as Data<'WebhookEndpointCreated'>;
        return [
          {
            collection: WEBHOOK_ENDPOINTS,
            kind: 'upsert',
            id,
            update: {
              $set: {
                url: data.url,
                events: data.events,
                description: data.description,
                format: data.format,
                include_personal_data: data.includePersonalData,
                enabled: true,
                disabled_reason: null,
                start_position: data.startPosition,
                secret_rotated_at: null,
                created_at: at,
                updated_at: at,
              },
            },
          },
        ];
      }
      case 'WebhookEndpointUpdated': {
        const { by: _, ...changes } = event.data as Data<'WebhookEndpointUpdated'>;
        return set({ ...changes, ...(changes.enabled === true ? { disabled_reason: null } : {}) });
      }
      case 'WebhookSecretRotated':
        return set({ secret_rotated_at: at });
      case 'WebhookEndpointDisabled':
        return set({ enabled: false, disabled_reason: (event.data as Data<'WebhookEndpointDisabled'>).reason });
      case 'WebhookEndpointDeleted':
        return [{ collection: WEBHOOK_ENDPOINTS, kind: 'delete', filter: { _id: id } }];
      default:
        return [];
    }
  },
};
