import { describe, expect, it, vi } from 'vitest';
import { JITTER, MAX_WAIT_MS, RETRY_FOR_MS } from '../../src/webhooks/retry-schedule.js';
import { call, register } from '../support/server.js';
import { ofType } from '../support/webhook-receiver.js';
import { webhookTestbed } from '../support/webhook-testbed.js';

/*
 * #19 points 1, 3, 5 and 7 through a real receiver: the delivery log an admin lists and retries,
 * the order per account, the retry schedule (clock injected), replays with the original ids, and
 * erasure across replays.
 */

const bed = webhookTestbed();

const makeEndpoint = async (body: Record<string, unknown>) => {
  const made = await call(bed.server, 'POST', '/admin/webhooks', {
    token: bed.admin.token,
    body: { url: bed.receiver.url, ...body },
  });
  expect(made.status).toBe(201);
  return made.body.id as string;
};
const deliveries = async (endpoint: string, query = '') => {
  const answer = await call(bed.server, 'GET', `/admin/webhooks/${endpoint}/deliveries${query}`, {
    token: bed.admin.token,
  });
  expect(answer.status).toBe(200);
  return answer.body.deliveries as Record<string, any>[];
};
/** Waits until the endpoint's delivery of `type` satisfies `check`. */
const deliveryOf = (endpoint: string, type: string, check: (d: Record<string, any>) => boolean, timeout = 10_000) =>
  vi.waitFor(
    async () => {
      const found = (await deliveries(endpoint)).find((d) => d.event_type === type && check(d));
      if (!found) throw new Error(`no ${type} delivery as expected yet`);
      return found;
    },
    { timeout, interval: 25 },
  );
const idOf = (r: { headers: Record<string, unknown> }) => r.headers['webhook-id'] as string;
const remove = (endpoint: string) =>
  call(bed.server, 'DELETE', `/admin/webhooks/${endpoint}`, { token: bed.admin.token });

describe('the webhook delivery log', () => {
  it('keeps one account in order while the receiver is down, then delivers every event once, in order', async () => {
    bed.receiver.clear();
    bed.receiver.answer(503);
    const endpoint = await makeEndpoint({ events: ['user.created', 'session.started', 'session.ended'] });
    const person = await register(bed.server);
    await call(bed.server, 'POST', '/auth/logout', { token: person.token });
    const login = await call(bed.server, 'POST', '/auth', {
      body: { username: person.username, password: person.password },
    });
    expect(login.status).toBe(200);

    // Down: only the account's first event is tried; the later ones wait behind it.
    const first = await deliveryOf(endpoint, 'user.created', (d) => d.status === 'pending' && d.attempts === 1);
    expect(first).toMatchObject({ last_error: 'http_503', last_status: 503, last_response: 'not now' });
    const waiting = await deliveries(endpoint);
    expect(waiting.filter((d) => d.status === 'held').map((d) => d.event_type)).toEqual([
      'session.started',
      'session.ended',
      'session.started',
    ]);
    expect(new Set(bed.receiver.received.map((r) => r.json?.type))).toEqual(new Set(['user.created']));

    // Back: every event arrives once with a 2xx, in the order it happened.
    bed.receiver.answer(200);
    bed.server.clock.advance(Date.parse(first.next_attempt_at) - bed.server.clock.now().getTime());
    await vi.waitFor(
      async () => expect((await deliveries(endpoint)).every((d) => d.status === 'delivered')).toBe(true),
      { timeout: 10_000, interval: 25 },
    );
    const accepted = bed.receiver.received.filter((r) => r.status === 200);
    expect(accepted.map((r) => r.json?.type)).toEqual([
      'user.created',
      'session.started',
      'session.ended',
      'session.started',
    ]);
    expect(new Set(accepted.map(idOf)).size).toBe(4);
    const positionOf = new Map((await deliveries(endpoint)).map((d) => [`msg_${d.id}`, BigInt(d.position)]));
    const positions = accepted.map((r) => positionOf.get(idOf(r))!);
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    await remove(endpoint);
  });

  it('waits 10 s, 20 s, 40 s … (±20 %, at most 4 h) between tries, for at least 24 hours, then fails it', async () => {
    bed.receiver.clear();
    bed.receiver.answer(500);
    const endpoint = await makeEndpoint({ events: ['user.created'] });
    await register(bed.server);
    let delivery = await deliveryOf(endpoint, 'user.created', (d) => d.attempts === 1);
    for (let attempt = 1; delivery.status === 'pending'; attempt += 1) {
      const waited = Date.parse(delivery.next_attempt_at) - Date.parse(delivery.last_attempt_at);
      const nominal = Math.min(10_000 * 2 ** (attempt - 1), MAX_WAIT_MS);
      expect(waited).toBeGreaterThanOrEqual(Math.floor(nominal * (1 - JITTER)));
      expect(waited).toBeLessThanOrEqual(Math.ceil(nominal * (1 + JITTER)));
      bed.server.clock.advance(waited);
      delivery = await deliveryOf(endpoint, 'user.created', (d) => d.attempts === attempt + 1);
    }
    expect(delivery.status).toBe('failed');
    const span = Date.parse(delivery.last_attempt_at) - Date.parse(delivery.first_attempt_at);
    expect(span).toBeGreaterThanOrEqual(RETRY_FOR_MS);
    expect(span).toBeLessThan(RETRY_FOR_MS + MAX_WAIT_MS * (1 + JITTER));
    expect(delivery.next_attempt_at).toBeNull();
    expect(new Set(bed.receiver.received.map(idOf))).toEqual(new Set([`msg_${delivery.id}`]));

    // An admin's retry sends it once more, same id, as a new round.
    bed.receiver.answer(200);
    const retried = await call(bed.server, 'POST', `/admin/webhooks/${endpoint}/deliveries/${delivery.id}/retry`, {
      token: bed.admin.token,
      body: {},
    });
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ status: 'pending', round: 1, attempts: 0 });
    const done = await deliveryOf(endpoint, 'user.created', (d) => d.status === 'delivered');
    expect(done).toMatchObject({ round: 1, attempts: 1, last_status: 200 });
    expect(bed.receiver.received.at(-1)!.status).toBe(200);
    expect(idOf(bed.receiver.received.at(-1)!)).toBe(`msg_${delivery.id}`);
    expect(
      (
        await call(bed.server, 'GET', `/admin/webhooks/${endpoint}/deliveries/${delivery.id}`, {
          token: bed.admin.token,
        })
      ).body,
    ).toMatchObject({ id: delivery.id, status: 'delivered' });
    await remove(endpoint);
  });

  it('pages, filters and refuses what it does not know', async () => {
    const endpoint = await makeEndpoint({ events: ['user.created'] });
    bed.receiver.answer(200);
    for (let i = 0; i < 3; i += 1) await register(bed.server);
    await vi.waitFor(async () => expect((await deliveries(endpoint, '?status=delivered')).length).toBe(3), {
      timeout: 10_000,
      interval: 25,
    });
    const page = await call(bed.server, 'GET', `/admin/webhooks/${endpoint}/deliveries?limit=2`, {
      token: bed.admin.token,
    });
    expect(page.body.deliveries).toHaveLength(2);
    expect(BigInt(page.body.deliveries[0].position)).toBeGreaterThan(BigInt(page.body.deliveries[1].position));
    const rest = await call(
      bed.server,
      'GET',
      `/admin/webhooks/${endpoint}/deliveries?limit=2&before=${page.body.next_before}`,
      { token: bed.admin.token },
    );
    expect(rest.body).toMatchObject({ next_before: null });
    expect(rest.body.deliveries).toHaveLength(1);
    expect(await deliveries(endpoint, '?status=failed')).toEqual([]);

    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(
      (await call(bed.server, 'GET', `/admin/webhooks/${unknown}/deliveries`, { token: bed.admin.token })).status,
    ).toBe(404);
    expect(
      (await call(bed.server, 'GET', `/admin/webhooks/${endpoint}/deliveries/${unknown}`, { token: bed.admin.token }))
        .status,
    ).toBe(404);
    expect(
      (await call(bed.server, 'GET', `/admin/webhooks/${endpoint}/deliveries?limit=0`, { token: bed.admin.token }))
        .status,
    ).toBe(400);
    const user = await register(bed.server);
    expect(
      (await call(bed.server, 'GET', `/admin/webhooks/${endpoint}/deliveries`, { token: user.token })).status,
    ).toBe(403);
    await remove(endpoint);
  });

  it('replays from a position or a time with the original ids, and keeps erased data out of a replay', async () => {
    bed.receiver.clear();
    bed.receiver.answer(200);
    bed.server.clock.advance(1000); // a time after every event of the tests before
    const endpoint = await makeEndpoint({ events: ['user.created', 'user.deleted'], include_personal_data: true });
    const person = await register(bed.server);
    const sent = await bed.receiver.waitFor((r) => r.json?.type === 'user.created' && r.body.includes(person.email));
    const before = (await deliveries(endpoint))[0]!;
    const deleted = await call(bed.server, 'DELETE', '/auth/me', {
      token: person.token,
      body: { password: person.password },
    });
    expect(deleted.status).toBe(200);
    await bed.receiver.waitFor(ofType('user.deleted'));
    // What the receiver answered about the account is not kept once it is deleted.
    expect(before.last_response).toBe('ok');
    await deliveryOf(endpoint, 'user.created', (d) => d.id === before.id && d.last_response === null);

    // From the position before the account's first event: both again, same ids, no personal data now.
    bed.receiver.clear();
    const replay = await call(bed.server, 'POST', `/admin/webhooks/${endpoint}/replay`, {
      token: bed.admin.token,
      body: { from_time: before.event_time },
    });
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ from_time: before.event_time, from_position: null });
    const again = await bed.receiver.waitFor(ofType('user.created'));
    expect(idOf(again)).toBe(idOf(sent));
    expect(again.json!.data).toMatchObject({ email: null, username: null });
    expect(again.body).not.toContain(person.email);
    await bed.receiver.waitFor(ofType('user.deleted'));
    const replayed = await deliveryOf(endpoint, 'user.created', (d) => d.id === before.id && d.round === 1);
    expect(replayed.replay_id).toBe(replay.body.id);

    // A position: the events after it.
    bed.receiver.clear();
    const fromPosition = await call(bed.server, 'POST', `/admin/webhooks/${endpoint}/replay`, {
      token: bed.admin.token,
      body: { from_position: before.position },
    });
    expect(fromPosition.status).toBe(202);
    await bed.receiver.waitFor(ofType('user.deleted'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(bed.receiver.received.filter(ofType('user.created'))).toEqual([]);

    for (const body of [{}, { from_position: '1', from_time: before.event_time }, { from_position: '99999999999' }])
      expect(
        (await call(bed.server, 'POST', `/admin/webhooks/${endpoint}/replay`, { token: bed.admin.token, body })).status,
      ).toBe(400);
    await call(bed.server, 'PATCH', `/admin/webhooks/${endpoint}`, {
      token: bed.admin.token,
      body: { enabled: false },
    });
    expect(
      (
        await call(bed.server, 'POST', `/admin/webhooks/${endpoint}/replay`, {
          token: bed.admin.token,
          body: { from_position: '0' },
        })
      ).status,
    ).toBe(409);
    await remove(endpoint);
  });

  it('turns off an endpoint that has failed every try for 3 days', async () => {
    bed.receiver.answer(500);
    const endpoint = await makeEndpoint({ events: ['user.created'] });
    await register(bed.server);
    await deliveryOf(endpoint, 'user.created', (d) => d.attempts === 1);
    const metrics = await fetch(`${bed.server.url}/metrics`).then((r) => r.text());
    expect(metrics).toContain(`accounts_webhook_tries_total{endpoint="${endpoint}",outcome="retrying"} 1`);
    expect(metrics).toMatch(new RegExp(`accounts_webhook_lag_seconds\\{endpoint="${endpoint}"\\} \\d`));
    expect(metrics).toContain(`accounts_webhook_waiting_deliveries{endpoint="${endpoint}"} 1`);
    // Its next try, three days on, fails too: the endpoint has failed every try for 3 days.
    bed.server.clock.advance(3 * 24 * 3_600_000);
    await vi.waitFor(
      async () =>
        expect(
          (await call(bed.server, 'GET', `/admin/webhooks/${endpoint}`, { token: bed.admin.token })).body,
        ).toMatchObject({
          enabled: false,
          disabled_reason: 'failing',
        }),
      { timeout: 10_000, interval: 25 },
    );
    // Turned back on, it starts a new streak: one more failure does not turn it off again.
    await call(bed.server, 'PATCH', `/admin/webhooks/${endpoint}`, { token: bed.admin.token, body: { enabled: true } });
    await register(bed.server);
    await vi.waitFor(async () => expect((await deliveries(endpoint, '?status=pending'))[0]?.attempts).toBe(1), {
      timeout: 10_000,
      interval: 25,
    });
    expect(
      (await call(bed.server, 'GET', `/admin/webhooks/${endpoint}`, { token: bed.admin.token })).body.enabled,
    ).toBe(true);
    bed.receiver.answer(200);
    await remove(endpoint);
  });
});
