import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../domain/shared/errors.js';
import { createTokenSigner } from '../../src/tokens/jwt.js';
import { toWebhookEvent, type WebhookEvent, type WebhookEventType } from '../../src/webhooks/catalogue.js';
import {
  newWebhookSecret,
  SET_FACTS_MEMBER,
  setDelivery,
  setEventUri,
  standardDelivery,
} from '../../src/webhooks/formats.js';
import { catalogueCases, PERSONAL_VALUES, SECRET_VALUES, userId } from '../support/webhook-events.js';

const issuer = 'https://accounts.example.org';
const audience = 'https://receiver.example.net';
const hooks = (includePersonalData: boolean) =>
  catalogueCases().map(({ event }) => toWebhookEvent(event, { includePersonalData })!);
const hookOf = (type: WebhookEventType, includePersonalData = false): WebhookEvent =>
  hooks(includePersonalData).find((h) => h.type === type)!;

const signer = () =>
  createTokenSigner({
    privateKey: generateKeyPairSync('ed25519').privateKey,
    issuer,
    audience: 'accounts',
    ttlMs: 60_000,
    clock: () => new Date(),
  });

const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/';
const RISC = 'https://schemas.openid.net/secevent/risc/event-type/';
/** The Shared Signals event each webhook event is pushed as (our own URI where none fits). */
const EXPECTED_URI: Partial<Record<WebhookEventType, string>> = {
  'session.ended': `${CAEP}session-revoked`,
  'password.changed': `${CAEP}credential-change`,
  'two_factor.enabled': `${CAEP}credential-change`,
  'two_factor.disabled': `${CAEP}credential-change`,
  'user.disabled': `${RISC}account-disabled`,
  'user.enabled': `${RISC}account-enabled`,
  'user.deleted': `${RISC}account-purged`,
  'email.changed': `${RISC}identifier-changed`,
  'username.changed': `${RISC}identifier-changed`,
};

describe('Standard Webhooks delivery', () => {
  it('makes secrets of 32 random bytes, as whsec_ and base64', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it("signs every event so that the standardwebhooks library's own verify accepts it, and gives the payload back", () => {
    const secret = newWebhookSecret();
    for (const hook of hooks(true)) {
      const { body, headers } = standardDelivery(hook, secret, new Date());
      expect(headers['content-type']).toBe('application/json');
      expect(headers['webhook-id']).toBe(`msg_${hook.id}`);
      expect(new Webhook(secret).verify(body, headers)).toEqual({
        type: hook.type,
        timestamp: hook.timestamp,
        data: hook.data,
      });
    }
  });

  it('refuses a wrong secret, a changed body and a stale timestamp', () => {
    const secret = newWebhookSecret();
    const hook = hookOf('session.started');
    const now = new Date();
    const { body, headers } = standardDelivery(hook, secret, now);
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify(body.replace('password', 'passkey'), headers)).toThrow(
      WebhookVerificationError,
    );
    const old = standardDelivery(hook, secret, new Date(now.getTime() - 10 * 60_000));
    expect(() => new Webhook(secret).verify(old.body, old.headers)).toThrow(/too old/);
  });

  it('gives a redelivery the same webhook-id and body, with its own timestamp and signature', () => {
    const secret = newWebhookSecret();
    const event = catalogueCases().find((c) => c.type === 'device.trusted')!.event;
    const now = Date.now();
    const first = standardDelivery(
      toWebhookEvent(event, { includePersonalData: true })!,
      secret,
      new Date(now - 60_000),
    );
    // Built again from the same domain event, as a retry after a restart would.
    const again = toWebhookEvent(event, { includePersonalData: true })!;
    const second = standardDelivery(again, secret, new Date(now));
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(second.body).toBe(first.body);
    expect(second.headers['webhook-timestamp']).not.toBe(first.headers['webhook-timestamp']);
    expect(second.headers['webhook-signature']).not.toBe(first.headers['webhook-signature']);
    expect(new Webhook(secret).verify(second.body, second.headers)).toBeTruthy();
  });
});

describe('Security Event Token delivery', () => {
  it('pushes a SET signed with the service key: typ secevent+jwt, jti the event id, the account as an opaque subject', async () => {
    const tokens = await signer();
    const jwks = createLocalJWKSet(tokens.jwks());
    for (const hook of hooks(false)) {
      const now = new Date();
      const { body, headers } = await setDelivery(hook, tokens, { issuer, audience, now });
      expect(headers).toEqual({ 'content-type': 'application/secevent+jwt' });
      const { payload, protectedHeader } = await jwtVerify(body, jwks, { issuer, audience, typ: 'secevent+jwt' });
      expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: tokens.jwks().keys[0]!.kid, typ: 'secevent+jwt' });
      expect(payload.jti).toBe(hook.id);
      expect(payload.iat).toBe(Math.floor(now.getTime() / 1000));
      expect(payload.toe).toBe(Date.parse(hook.timestamp) / 1000);
      expect(payload.sub).toBeUndefined();
      expect(payload.exp).toBeUndefined();
      const subject = payload.sub_id as Record<string, unknown>;
      if (hook.type === 'session.ended')
        expect(subject).toEqual({
          format: 'complex',
          user: { format: 'opaque', id: userId },
          session: { format: 'opaque', id: hook.data.session_id },
        });
      else expect(subject).toEqual({ format: 'opaque', id: userId });
      // One event per SET (the CAEP interoperability profile), of the type that fits.
      const events = payload.events as Record<string, Record<string, unknown>>;
      const uri = EXPECTED_URI[hook.type] ?? setEventUri(hook.type);
      expect(Object.keys(events), hook.type).toEqual([uri]);
      const facts = EXPECTED_URI[hook.type] ? events[uri]![SET_FACTS_MEMBER] : events[uri];
      expect(facts).toEqual({ type: hook.type, ...hook.data });
      for (const value of [...SECRET_VALUES, ...PERSONAL_VALUES]) expect(JSON.stringify(payload)).not.toContain(value);
    }
  });

  it("carries CAEP's required claims: credential type and change, a session's end time, an admin reason", async () => {
    const tokens = await signer();
    const claims = async (hook: WebhookEvent) => {
      const { body } = await setDelivery(hook, tokens, { issuer, audience, now: new Date() });
      const { payload } = await jwtVerify(body, createLocalJWKSet(tokens.jwks()), { issuer, audience });
      return Object.values(payload.events as Record<string, Record<string, unknown>>)[0]!;
    };
    const at = Date.parse('2025-03-01T12:00:00.000Z') / 1000;
    expect(await claims(hookOf('password.changed'))).toMatchObject({
      credential_type: 'password',
      change_type: 'update',
      event_timestamp: at,
      reason_admin: { en: 'Password reset' },
    });
    const initial = { ...hookOf('password.changed'), data: { user_id: userId, reset: false, initial: true } };
    expect(await claims(initial)).toMatchObject({ credential_type: 'password', change_type: 'create' });
    expect(await claims(hookOf('two_factor.enabled'))).toMatchObject({ credential_type: 'app', change_type: 'create' });
    expect(await claims(hookOf('two_factor.disabled'))).toMatchObject({
      credential_type: 'app',
      change_type: 'delete',
    });
    expect(await claims(hookOf('session.ended'))).toMatchObject({
      event_timestamp: at,
      reason_admin: { en: 'Session ended: logout' },
    });
    // The new identifier only goes to an endpoint that may see personal data.
    expect(await claims(hookOf('email.changed', true))).toMatchObject({ 'new-value': 'ada@example.org' });
    expect(await claims(hookOf('email.changed', false))).not.toHaveProperty('new-value');
  });

  it('is never taken for an access token, and access tokens still verify', async () => {
    const tokens = await signer();
    const hook = hookOf('session.started');
    // Even a SET whose claims look like an access token's, for the service's own audience.
    const forged = await tokens.signSet({
      iss: issuer,
      aud: 'accounts',
      sub: userId,
      sid: 's',
      jti: hook.id,
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 60,
    });
    expect(decodeProtectedHeader(forged).typ).toBe('secevent+jwt');
    await expect(tokens.verify(forged)).rejects.toThrow(DomainError);
    const { body } = await setDelivery(hook, tokens, { issuer, audience: 'accounts', now: new Date() });
    await expect(tokens.verify(body)).rejects.toThrow(DomainError);
    const { token } = await tokens.issue(userId, 'session-1');
    await expect(tokens.verify(token)).resolves.toMatchObject({ sub: userId, sid: 'session-1' });
  });
});
