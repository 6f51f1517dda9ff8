import { describe, it } from 'vitest';
import { type WebhookEvent, webhookDecider } from '../../domain/webhook/decider.js';
import { specFor } from '../support/decider.js';

const spec = specFor(webhookDecider);
const created: WebhookEvent = {
  type: 'WebhookEndpointCreated',
  data: {
    endpointId: 'e1',
    url: 'https://hooks.example.org/accounts',
    events: ['user.created'],
    description: null,
    format: 'standard',
    includePersonalData: false,
    secret: 'whsec_one',
    startPosition: '42',
    by: 'admin-1',
  },
};

describe('webhook endpoint', () => {
  it('is created once, starting at the position it is given', () => {
    const { startPosition: _, ...data } = created.data;
    spec([])
      .when({ type: 'CreateWebhookEndpoint', data: { ...data, startPosition: 42n } })
      .then([created]);
    spec([created])
      .when({ type: 'CreateWebhookEndpoint', data: { ...data, startPosition: 42n } })
      .thenRefuses('conflict');
  });

  it('records only the settings that change', () => {
    spec([created])
      .when({ type: 'UpdateWebhookEndpoint', data: { url: undefined, enabled: false, by: 'admin-1' } })
      .then([{ type: 'WebhookEndpointUpdated', data: { enabled: false, by: 'admin-1' } }]);
  });

  it('rotates the secret, keeping the old one valid for 24 hours', () => {
    spec([created])
      .when({
        type: 'RotateWebhookSecret',
        data: { secret: 'whsec_two', now: new Date('2026-12-03T10:00:00Z'), by: 'admin-1' },
      })
      .then([
        {
          type: 'WebhookSecretRotated',
          data: {
            secret: 'whsec_two',
            previousSecret: 'whsec_one',
            previousValidUntil: '2026-12-04T10:00:00.000Z',
            by: 'admin-1',
          },
        },
      ]);
  });

  it('is disabled for failing once; a disabled endpoint records nothing more', () => {
    const disabled: WebhookEvent = { type: 'WebhookEndpointDisabled', data: { reason: 'failing' } };
    spec([created]).when({ type: 'DisableFailingWebhookEndpoint', data: {} }).then([disabled]);
    spec([created, disabled]).when({ type: 'DisableFailingWebhookEndpoint', data: {} }).then([]);
  });

  it('records a replay from a position or a time, only while the endpoint is on', () => {
    const fromPosition = { replayId: 'r1', fromPosition: '7', fromTime: null, by: 'admin-1' };
    spec([created])
      .when({ type: 'ReplayWebhookDeliveries', data: fromPosition })
      .then([{ type: 'WebhookReplayRequested', data: fromPosition }]);
    const fromTime = { replayId: 'r2', fromPosition: null, fromTime: '2026-12-01T00:00:00.000Z', by: 'admin-1' };
    spec([created])
      .when({ type: 'ReplayWebhookDeliveries', data: fromTime })
      .then([{ type: 'WebhookReplayRequested', data: fromTime }]);
    spec([created])
      .when({ type: 'ReplayWebhookDeliveries', data: { ...fromPosition, fromTime: fromTime.fromTime } })
      .thenRefuses('validation_failed');
    const off: WebhookEvent = { type: 'WebhookEndpointUpdated', data: { enabled: false, by: 'admin-1' } };
    spec([created, off]).when({ type: 'ReplayWebhookDeliveries', data: fromPosition }).thenRefuses('conflict');
  });

  it('refuses every change to an endpoint that does not exist or was deleted', () => {
    const deleted: WebhookEvent = { type: 'WebhookEndpointDeleted', data: { by: 'admin-1' } };
    spec([])
      .when({ type: 'DeleteWebhookEndpoint', data: { by: 'admin-1' } })
      .thenRefuses('not_found');
    spec([created])
      .when({ type: 'DeleteWebhookEndpoint', data: { by: 'admin-1' } })
      .then([deleted]);
    spec([created, deleted])
      .when({ type: 'UpdateWebhookEndpoint', data: { enabled: true, by: 'admin-1' } })
      .thenRefuses('not_found');
  });
});
