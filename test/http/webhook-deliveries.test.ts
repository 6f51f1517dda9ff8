import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, register, startServer, type TestServer } from '../support/server.js';
import { ofType, type Receiver, startReceiver } from '../support/webhook-receiver.js';

/*
 * #19 points 3-5 through a real receiver: the log drives the deliveries, Standard Webhooks
 * signatures verify with the package's own verify, SETs with jose against the JWKS, and a receiver
 * that fails gets the same delivery again (same webhook-id) on the queue's backoff (clock injected).
 */

let server: TestServer;
let admin: string;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startServer({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true' });
  admin = (await register(server)).token;
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});

describe('webhook deliveries', () => {
  it('deliver what happens after the endpoint was made, signed per Standard Webhooks, and retry a failure with the same id', async () => {
    receiver.clear();
    const made = await call(server, 'POST', '/admin/webhooks', {
      token: admin,
      body: { url: receiver.url, events: ['user.created', 'session.ended'] },
    });
    expect(made.status).toBe(201);
    const secret = made.body.secret as string;

    const person = await register(server);
    const created = await receiver.waitFor(ofType('user.created'));
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
    receiver.answer(500);
    receiver.clear();
    expect((await call(server, 'POST', '/auth/logout', { token: person.token })).status).toBe(200);
    const first = await receiver.waitFor(ofType('session.ended'));
    receiver.answer(200);
    server.clock.advance(13_000); // past the first retry's wait, 10 s ± 20 %
    const again = await receiver.waitFor((r) => r !== first && r.json?.type === 'session.ended', 15_000);
    expect(again.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(new Webhook(secret).verify(again.body, again.headers as Record<string, string>)).toMatchObject({
      type: 'session.ended',
    });
    await call(server, 'DELETE', `/admin/webhooks/${made.body.id}`, { token: admin });
  });

  it('sign with the old secret beside the new one for a day after a rotation', async () => {
    receiver.clear();
    const made = await call(server, 'POST', '/admin/webhooks', {
      token: admin,
      body: { url: receiver.url, events: ['user.created'] },
    });
    const rotated = await call(server, 'POST', `/admin/webhooks/${made.body.id}/rotate-secret`, {
      token: admin,
      body: {},
    });
    await register(server);
    const delivery = await receiver.waitFor(ofType('user.created'));
    const headers = delivery.headers as Record<string, string>;
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(made.body.secret).verify(delivery.body, headers)).toMatchObject({ type: 'user.created' });
    expect(new Webhook(rotated.body.secret).verify(delivery.body, headers)).toMatchObject({ type: 'user.created' });
    await call(server, 'DELETE', `/admin/webhooks/${made.body.id}`, { token: admin });
  });

  it('push Security Event Tokens that verify against the JWKS, with personal data only when asked for', async () => {
    receiver.clear();
    const made = await call(server, 'POST', '/admin/webhooks', {
      token: admin,
      body: { url: receiver.url, events: ['user.created'], format: 'set', include_personal_data: true },
    });
    expect(made.status).toBe(201);
    const person = await register(server);
    const pushed = await receiver.waitFor((r) => r.headers['content-type'] === 'application/secevent+jwt');
    expect(decodeProtectedHeader(pushed.body).typ).toBe('secevent+jwt');
    const jwks = (await call(server, 'GET', '/.well-known/jwks.json')).body;
    const { payload } = await jwtVerify(pushed.body, createLocalJWKSet(jwks), { audience: receiver.url });
    expect(payload.jti).toEqual(expect.any(String));
    expect(JSON.stringify(payload.events)).toContain(person.username);
    await call(server, 'DELETE', `/admin/webhooks/${made.body.id}`, { token: admin });
  });
});
