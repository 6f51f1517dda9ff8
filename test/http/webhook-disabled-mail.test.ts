import { beforeAll, describe, expect, it } from 'vitest';
import { renderMail } from '../../src/mail/templates.js';
import { mailbox, verifyAddress, waitForMail, type Mail } from '../support/mail.js';
import { call, register } from '../support/server.js';
import { type WebhookTestbed, webhookTestbed } from '../support/webhook-testbed.js';

/*
 * An endpoint the delivery worker turns off for failing (`disableFailingEndpoint`, the worker's own
 * way in: there is no HTTP route for it) is mailed to every admin who can be told: admin or
 * superadmin, enabled, with a verified address. Checked in the embedded mailer's .eml files.
 */

// The endpoints point at port 9 on loopback: nothing is delivered anywhere outside the machine, whatever is enqueued.
const bed = webhookTestbed();
let root: WebhookTestbed['admin'] & { id: string };
beforeAll(async () => {
  root = { ...bed.admin, id: await idOf(bed.admin.token) };
  await verifyAddress(bed.server, root.token, root.email);
});

const idOf = async (token: string) => (await call(bed.server, 'GET', '/auth/me', { token })).body.id as string;

/** A registered account, its address proven when `verified`, made an admin when `admin`. */
async function account(options: { admin: boolean; verified: boolean }) {
  const made = await register(bed.server);
  const id = await idOf(made.token);
  if (options.verified) await verifyAddress(bed.server, made.token, made.email);
  if (options.admin) {
    const granted = await call(bed.server, 'POST', `/admin/users/${id}/grant-admin`, { token: root.token });
    expect(granted.body).toMatchObject({ role: 'admin' });
  }
  return { ...made, id };
}

async function endpoint(url: string) {
  const made = await call(bed.server, 'POST', '/admin/webhooks', {
    token: root.token,
    body: { url, events: ['user.deleted'], description: 'CRM' },
  });
  expect(made.status).toBe(201);
  return made.body as { id: string; url: string; secret: string };
}

const isNotice = (mail: Mail) => /webhook endpoint was turned off/.test(mail.subject);
const noticesTo = async (email: string) =>
  (await mailbox(bed.server.dataDir)).filter((m) => m.to === email && isNotice(m));
/** Turns an endpoint off as the delivery worker does, and waits for the superadmin's mail about it. */
async function turnOff(hook: { id: string }) {
  expect((await bed.server.service.webhooks.endpoints.disableFailingEndpoint(hook.id)).disabled).toBe(true);
  return waitForMail(bed.server.dataDir, root.email, { match: (m) => isNotice(m) && m.text.includes(hook.id) });
}

describe('an endpoint turned off for failing', () => {
  it('is mailed to each enabled admin with a verified address, and to nobody else', async () => {
    const admin = await account({ admin: true, verified: true });
    const unverifiedAdmin = await account({ admin: true, verified: false });
    const disabledAdmin = await account({ admin: true, verified: true });
    const deletedAdmin = await account({ admin: true, verified: true });
    const user = await account({ admin: false, verified: true });
    expect(
      (await call(bed.server, 'POST', `/admin/users/${disabledAdmin.id}/disable`, { token: root.token })).status,
    ).toBe(200);
    const deleting = await call(bed.server, 'DELETE', '/auth/me', {
      token: deletedAdmin.token,
      body: { password: deletedAdmin.password },
    });
    expect(deleting.status).toBe(200);

    const hook = await endpoint('http://127.0.0.1:9/hooks/accounts');
    const turnedOff = await bed.server.service.webhooks.endpoints.disableFailingEndpoint(hook.id);
    expect(turnedOff).toMatchObject({ disabled: true, position: expect.any(BigInt) });
    const events = await bed.server.service.eventStore.readStream(`webhook-${hook.id}`);
    expect(events.at(-1)).toMatchObject({ type: 'WebhookEndpointDisabled' });
    // The admin API shows it off, for failing.
    const read = await call(bed.server, 'GET', `/admin/webhooks/${hook.id}`, { token: root.token });
    expect(read.body).toMatchObject({ enabled: false, disabled_reason: 'failing' });

    for (const to of [root.email, admin.email]) {
      const mail = await waitForMail(bed.server.dataDir, to, { match: isNotice });
      for (const part of [mail.text, mail.html]) {
        expect(part).toContain(hook.id);
        expect(part).toContain('http://127.0.0.1:9/hooks/accounts');
        expect(part).toContain(`PATCH /api/v1/admin/webhooks/${hook.id}`);
        expect(part).toContain(`POST /api/v1/admin/webhooks/${hook.id}/replay`);
        expect(part).not.toContain(hook.secret);
      }
      expect(mail.text).toContain('{"enabled": true}');
      expect(mail.text).toContain('because you are an administrator');
    }
    // The reactor takes events in order: once a later endpoint's mail is out, this event's jobs are all
    // enqueued. Each is named by the event and the admin; nobody else has one, nor any mail.
    await turnOff(await endpoint('http://127.0.0.1:9/hooks/later'));
    const disabled = events.at(-1)!;
    for (const told of [root, admin])
      expect(await bed.server.service.queue.inspect(`${disabled.id}:${told.id}`)).not.toBeNull();
    for (const nobody of [unverifiedAdmin, disabledAdmin, deletedAdmin, user]) {
      expect(await bed.server.service.queue.inspect(`${disabled.id}:${nobody.id}`), nobody.email).toBeNull();
      expect(await noticesTo(nobody.email), nobody.email).toEqual([]);
    }
  });

  it('is told once: turning off an endpoint already off records and sends nothing more', async () => {
    const hook = await endpoint('http://127.0.0.1:9/hooks/twice');
    await turnOff(hook);
    expect(await bed.server.service.webhooks.endpoints.disableFailingEndpoint(hook.id)).toEqual({
      disabled: false,
      position: null,
    });
    expect((await bed.server.service.eventStore.readStream(`webhook-${hook.id}`)).map((e) => e.type)).toEqual([
      'WebhookEndpointCreated',
      'WebhookEndpointDisabled',
    ]);
    await turnOff(await endpoint('http://127.0.0.1:9/hooks/after-twice')); // every earlier mail is enqueued by now
    const mine = (await noticesTo(root.email)).filter((m) => m.text.includes(hook.id));
    expect(mine).toHaveLength(1);
  });

  it('shows the URL without its query, where a receiver may keep a token of its own', async () => {
    const mail = await turnOff(await endpoint('http://127.0.0.1:9/hooks/q?token=receiver-secret-123'));
    expect(mail.text).toContain('http://127.0.0.1:9/hooks/q?…');
    expect(mail.text + mail.html).not.toContain('receiver-secret-123');
  });

  it('records nothing for an endpoint deleted meanwhile (a try that failed as it was deleted)', async () => {
    const hook = await endpoint('http://127.0.0.1:9/hooks/gone');
    expect((await call(bed.server, 'DELETE', `/admin/webhooks/${hook.id}`, { token: root.token })).status).toBe(200);
    expect(await bed.server.service.webhooks.endpoints.disableFailingEndpoint(hook.id)).toEqual({
      disabled: false,
      position: null,
    });
  });
});

describe('the webhook_endpoint_disabled template', () => {
  it('escapes every value in the HTML part and keeps its subject to one line', () => {
    const evil = '<script>alert(1)</script>';
    const mail = renderMail(
      { kind: 'webhook_endpoint_disabled', endpointId: evil, url: `https://x.test/${evil}` },
      { serviceName: `Acme\r\n${evil}`, publicUrl: 'https://id.example.test', linkBaseUrl: 'https://id.example.test' },
    );
    expect(mail.html).not.toContain('<script');
    expect(mail.html).toContain('&lt;script&gt;');
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.text).toContain('Sent by');
  });
});
