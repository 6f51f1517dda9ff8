import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { TokenSigner } from '../tokens/jwt.js';
import type { WebhookEvent, WebhookEventType } from './catalogue.js';

/**
 * The two ways an event leaves: a Standard Webhooks message (format "standard", HMAC-signed
 * with the endpoint's secret) or a Security Event Token (format "set", RFC 8417, signed with the
 * service's key and pushed as RFC 8935 says). Both name the event by its domain event id, so a
 * redelivery is recognisable as the same message.
 */

/** A new endpoint secret: `whsec_` and 32 random bytes in base64, as Standard Webhooks' libraries read it. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** The Standard Webhooks message id of an event: the same on every delivery of it. */
export const standardMessageId = (event: WebhookEvent): string => `msg_${event.id}`;

export function standardDelivery(
  event: WebhookEvent,
  secret: string,
  now: Date,
): { body: string; headers: Record<string, string> } {
  // The payload shape Standard Webhooks recommends; the envelope's id travels as webhook-id.
  const body = JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
  const id = standardMessageId(event);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': Math.floor(now.getTime() / 1000).toString(),
      'webhook-signature': new Webhook(secret).sign(id, now, body),
    },
  };
}

const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/';
const RISC = 'https://schemas.openid.net/secevent/risc/event-type/';
/** Our own event type URIs: for the events no CAEP or RISC type fits. */
export const setEventUri = (type: WebhookEventType): string => `urn:accounts-service:event:${type}`;
/**
 * Where a standard event carries our facts too: the Shared Signals Framework asks that members an
 * event type does not define be named by URIs, and the CAEP interoperability profile that a SET
 * carry one event only, so the facts go inside it rather than as a second event.
 */
export const SET_FACTS_MEMBER = 'urn:accounts-service:facts';

type Claims = Record<string, unknown>;
const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const admin = (en: string) => ({ reason_admin: { en } });

/**
 * The CAEP or RISC event an event is, if one fits: its URI and its own claims. CAEP's
 * credential_type has no value for an API key or ACL token (and a receiver acting on a
 * credential change re-checks the person's sessions, which those do not touch): they, and
 * the events of no standard type, go under our own URI.
 */
function standardEvent(event: WebhookEvent): { uri: string; claims: Claims } | null {
  const d = event.data;
  const event_timestamp = seconds(event.timestamp);
  switch (event.type) {
    case 'session.ended':
      return { uri: `${CAEP}session-revoked`, claims: { event_timestamp, ...admin(`Session ended: ${d.reason}`) } };
    case 'password.changed': {
      const change_type = d.initial === true ? 'create' : 'update';
      const why = d.reset === true ? 'Password reset' : d.initial === true ? 'Password set' : 'Password changed';
      return {
        uri: `${CAEP}credential-change`,
        claims: { credential_type: 'password', change_type, event_timestamp, ...admin(why) },
      };
    }
    case 'two_factor.enabled':
    case 'two_factor.disabled': {
      const enabled = event.type === 'two_factor.enabled';
      return {
        uri: `${CAEP}credential-change`,
        // An authenticator app's TOTP secret: CAEP's `app`.
        claims: {
          credential_type: 'app',
          change_type: enabled ? 'create' : 'delete',
          event_timestamp,
          ...admin(enabled ? 'Two-factor authentication enabled' : `Two-factor authentication disabled: ${d.reason}`),
        },
      };
    }
    // RISC's account-disabled `reason` is only hijacking or bulk-account, neither of which an admin's act says.
    case 'user.disabled':
      return { uri: `${RISC}account-disabled`, claims: {} };
    case 'user.enabled':
      return { uri: `${RISC}account-enabled`, claims: {} };
    case 'user.deleted':
      return { uri: `${RISC}account-purged`, claims: {} };
    case 'email.changed':
    case 'username.changed': {
      // The new value only when the endpoint may see it (the webhook event carries it then).
      const value = event.type === 'email.changed' ? d.email : d.username;
      return { uri: `${RISC}identifier-changed`, claims: typeof value === 'string' ? { 'new-value': value } : {} };
    }
    default:
      return null;
  }
}

/** The SET's subject: the account, opaque; a session's end names the session too (CAEP complex subject). */
function subjectOf(event: WebhookEvent): Claims {
  const user = { format: 'opaque', id: event.data.user_id };
  if (event.type !== 'session.ended') return user;
  return { format: 'complex', user, session: { format: 'opaque', id: event.data.session_id } };
}

/** The claims of an event's SET (RFC 8417): `jti` is the event id, stable across redeliveries. */
export function setClaims(event: WebhookEvent, options: { issuer: string; audience: string; now: Date }): Claims {
  const facts = { type: event.type, ...event.data };
  const standard = standardEvent(event);
  const events = standard
    ? { [standard.uri]: { ...standard.claims, [SET_FACTS_MEMBER]: facts } }
    : { [setEventUri(event.type)]: facts };
  return {
    iss: options.issuer,
    aud: options.audience,
    iat: Math.floor(options.now.getTime() / 1000),
    jti: event.id,
    toe: seconds(event.timestamp),
    sub_id: subjectOf(event),
    events,
  };
}

/** A SET push (RFC 8935): the compact JWS is the whole body. */
export async function setDelivery(
  event: WebhookEvent,
  signer: Pick<TokenSigner, 'signSet'>,
  options: { issuer: string; audience: string; now: Date },
): Promise<{ body: string; headers: { 'content-type': 'application/secevent+jwt' } }> {
  const body = await signer.signSet(setClaims(event, options), 'secevent+jwt');
  return { body, headers: { 'content-type': 'application/secevent+jwt' } };
}
