import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, register, startServer, type TestServer } from '../support/server.js';

/*
 * #19 point 1 (endpoint management) and point 6 (safe by default) through the HTTP API. Delivery
 * itself is not built yet: see the issue's notes.
 */

let strict: TestServer;
let admin: string;
let user: string;
beforeAll(async () => {
  strict = await startServer();
  admin = (await register(strict)).token;
  user = (await register(strict)).token;
});
afterAll(() => strict.close());

const PUBLIC = 'https://93.184.216.34/hooks/accounts';

describe('webhook endpoints, for admins', () => {
  it('are made with a secret shown once, listed and read without it, changed, rotated and deleted', async () => {
    const made = await call(strict, 'POST', '/admin/webhooks', {
      token: admin,
      body: { url: PUBLIC, events: ['user.created', 'session.ended'], description: 'CRM' },
    });
    expect(made.status).toBe(201);
    expect(made.headers.get('x-event-position')).toMatch(/^\d+$/);
    expect(made.body).toMatchObject({
      url: PUBLIC,
      events: ['user.created', 'session.ended'],
      description: 'CRM',
      format: 'standard',
      include_personal_data: false,
      enabled: true,
      disabled_reason: null,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    const id = made.body.id as string;

    const listed = await call(strict, 'GET', '/admin/webhooks', { token: admin });
    expect(listed.body.map((e: { id: string }) => e.id)).toContain(id);
    const read = await call(strict, 'GET', `/admin/webhooks/${id}`, { token: admin });
    expect(read.body).not.toHaveProperty('secret');
    expect(JSON.stringify(listed.body)).not.toContain(made.body.secret);

    const changed = await call(strict, 'PATCH', `/admin/webhooks/${id}`, {
      token: admin,
      body: { events: ['user.deleted'], enabled: false },
    });
    expect(changed.body).toMatchObject({ events: ['user.deleted'], enabled: false, url: PUBLIC });

    const rotated = await call(strict, 'POST', `/admin/webhooks/${id}/rotate-secret`, { token: admin, body: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(made.body.secret);
    expect(rotated.body.secret_rotated_at).not.toBeNull();

    // The secrets are sealed in the events, under the endpoint's own key.
    const events = await strict.service.eventStore.readStream(`webhook-${id}`);
    expect(events.map((e) => e.type)).toEqual([
      'WebhookEndpointCreated',
      'WebhookEndpointUpdated',
      'WebhookSecretRotated',
    ]);
    const stored = JSON.stringify(events.map((e) => [e.data, e.metadata]));
    expect(stored).not.toContain(made.body.secret);
    expect(stored).not.toContain(rotated.body.secret);

    expect((await call(strict, 'DELETE', `/admin/webhooks/${id}`, { token: admin })).status).toBe(200);
    expect((await call(strict, 'GET', `/admin/webhooks/${id}`, { token: admin })).status).toBe(404);
    expect((await call(strict, 'DELETE', `/admin/webhooks/${id}`, { token: admin })).status).toBe(404);
  });

  it('are for admins only', async () => {
    const refused = await call(strict, 'POST', '/admin/webhooks', { token: user, body: { url: PUBLIC, events: [] } });
    expect([refused.status, refused.body.code]).toEqual([403, 'admin_only']);
    expect((await call(strict, 'GET', '/admin/webhooks', { token: user })).status).toBe(403);
  });

  it('refuse an unknown event type, and change nothing', async () => {
    const refused = await call(strict, 'POST', '/admin/webhooks', {
      token: admin,
      body: { url: PUBLIC, events: ['user.created', 'user.exploded'] },
    });
    expect([refused.status, refused.body.code]).toEqual([400, 'validation_failed']);
    expect(refused.body.detail).toContain('user.exploded');
  });

  it('refuse http, and loopback, private and link-local addresses, by default', async () => {
    for (const url of [
      'http://93.184.216.34/hook',
      'https://127.0.0.1/hook',
      'https://10.1.2.3/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/hook',
      'https://localhost/hook',
      'https://user:secret@93.184.216.34/hook',
    ]) {
      const refused = await call(strict, 'POST', '/admin/webhooks', { token: admin, body: { url, events: [] } });
      expect([refused.status, refused.body.code], url).toEqual([400, 'validation_failed']);
      expect(refused.body.issues[0].path, url).toBe('url');
      expect(JSON.stringify(refused.body), url).not.toContain('secret@');
    }
  });

  it('take http and private addresses where WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE say so', async () => {
    const open = await startServer({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true' });
    try {
      const token = (await register(open)).token;
      const made = await call(open, 'POST', '/admin/webhooks', {
        token,
        body: { url: 'http://127.0.0.1:9/hook', events: ['user.created'], format: 'set', include_personal_data: true },
      });
      expect(made.status).toBe(201);
      expect(made.body).toMatchObject({ format: 'set', include_personal_data: true });
    } finally {
      await open.close();
    }
  });
});
