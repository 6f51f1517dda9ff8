import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { call, register } from '../support/server.js';
import { ofType } from '../support/webhook-receiver.js';
import { webhookTestbed } from '../support/webhook-testbed.js';

/*
 * #19 points 3-5 through a real receiver: the log drives the deliveries, Standard Webhooks
 * signatures verify with the package's own verify, SETs with jose against the JWKS, and a receiver
 * that fails gets the same delivery again (same webhook-id) on the queue's backoff (clock injected).
 */

const bed = webhookTestbed();

describe('webhook deliveries', () => {
  it('deliver what happens after the endpoint was made, signed per Standard Webhooks, and retry a failure with the same id', async () => {
    bed.receiver.clear();
    const made = await call(bed.server, 'POST', '/admin/webhooks', {
      token: bed.admin.token,
      body: { url: bed.receiver.url, events: ['user.created', 'session.ended'] },
    });
    expect(made.status).toBe(201);
    const secret = made.body.secret as string;

    const person = await register(bed.server);
    const created = await bed.receiver.waitFor(ofType('user.created'));
    const verified = new Webhook(secret).verify(created.body, created.headers as Record<string, string>) as {
      type: string;
      data: Record<string, unknown>;
    };
    expect(verified.type).toBe('user.created');
    expect(created.headers['webhook-id']).toMatch(/^msg_[0-9a-f-]{36}$/);
    // Made without include_personal_data: ids and facts, no address or name.
    expect(created.body).not.toContain(person.email);
    expect(created.body).not.toContain(person.username);
    expect(verified.data.user_id).toEqual(expect.any(String));

    // The receiver fails: the delivery comes again, with the same id, after the backoff.
    bed.receiver.answer(500);
    bed.receiver.clear();
    expect((await call(bed.server, 'POST', '/auth/logout', { token: person.token })).status).toBe(200);
    const first = await bed.receiver.waitFor(ofType('session.ended'));
    bed.receiver.answer(200);
    bed.server.clock.advance(13_000); // past the first retry's wait, 10 s ± 20 %
    const again = await bed.receiver.waitFor((r) => r !== first && r.json?.type === 'session.ended', 15_000);
    expect(again.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(new Webhook(secret).verify(again.body, again.headers as Record<string, string>)).toMatchObject({
      type: 'session.ended',
    });
    await call(bed.server, 'DELETE', `/admin/webhooks/${made.body.id}`, { token: bed.admin.token });
  });

  it('sign with the old secret beside the new one for a day after a rotation', async () => {
    bed.receiver.clear();
    const made = await call(bed.server, 'POST', '/admin/webhooks', {
      token: bed.admin.token,
      body: { url: bed.receiver.url, events: ['user.created'] },
    });
    const rotated = await call(bed.server, 'POST', `/admin/webhooks/${made.body.id}/rotate-secret`, {
      token: bed.admin.token,
      body: {},
    });
    await register(bed.server);
    const delivery = await bed.receiver.waitFor(ofType('user.created'));
    const headers = delivery.headers as Record<string, string>;
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(made.body.secret).verify(delivery.body, headers)).toMatchObject({ type: 'user.created' });
    expect(new Webhook(rotated.body.secret).verify(delivery.body, headers)).toMatchObject({ type: 'user.created' });
    await call(bed.server, 'DELETE', `/admin/webhooks/${made.body.id}`, { token: bed.admin.token });
  });

  it('push Security Event Tokens that verify against the JWKS, with personal data only when asked for', async () => {
    bed.receiver.clear();
    const made = await call(bed.server, 'POST', '/admin/webhooks', {
      token: bed.admin.token,
      body: { url: bed.receiver.url, events: ['user.created'], format: 'set', include_personal_data: true },
    });
    expect(made.status).toBe(201);
    const person = await register(bed.server);
    const pushed = await bed.receiver.waitFor((r) => r.headers['content-type'] === 'application/secevent+jwt');
    expect(decodeProtectedHeader(pushed.body).typ).toBe('secevent+jwt');
    const jwks = (await call(bed.server, 'GET', '/.well-known/jwks.json')).body;
    const { payload } = await jwtVerify(pushed.body, createLocalJWKSet(jwks), { audience: bed.receiver.url });
    expect(payload.jti).toEqual(expect.any(String));
    expect(JSON.stringify(payload.events)).toContain(person.username);
    await call(bed.server, 'DELETE', `/admin/webhooks/${made.body.id}`, { token: bed.admin.token });
  });
});
