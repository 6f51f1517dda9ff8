/**
 * The mails of a sign-in from a device new to the account: the notice, with its single-use
 * "this wasn't me" link, and what happened once the link was used.
 */
import { CHALLENGE_TTL_MS } from '../../domain/challenge/decider.js';
import type { Content } from './render.js';

export type DeviceNoticeTemplate =
  /** A sign-in from a device the account has not used in 90 days; the link goes to `$LINK_BASE_URL/wasnt-me`. */
  | { kind: 'new_device_sign_in'; token: string; device: string; network: string | null; method: string; at: string }
  /** "This wasn't me" was used: what it ended. */
  | { kind: 'sign_in_disowned'; endedSessions: number; forgottenDevices: number; revokedCredentials: number };

const LINK_DAYS = CHALLENGE_TTL_MS.wasnt_me / 86_400_000;

/** The way in as a person says it. */
const WAYS_IN: Record<string, string> = {
  password: 'a password',
  register: 'registration',
  email_code: 'a code mailed to you',
  totp_recovery: 'a password and a backup code',
  usr: 'the user key',
  nostr: 'a Nostr key',
  lnurl: 'a Lightning wallet (LNURL-auth)',
  passkey: 'a passkey',
};
export const wayIn = (method: string) =>
  WAYS_IN[method] ?? (method.startsWith('oauth:') ? `${method.slice('oauth:'.length)} (OAuth)` : method);

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** When, as a reader anywhere can tell: the UTC time, to the minute. */
const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

export function deviceNoticeContent(
  template: DeviceNoticeTemplate,
  service: string,
  links: { wasntMe: (token: string) => string; forgotPassword: string },
): Content {
  switch (template.kind) {
    case 'new_device_sign_in':
      return {
        subject: `New sign-in to your ${service} account`,
        requested: false,
        blocks: [
          {
            type: 'p',
            text: `Your ${service} account was just signed in to from a device it has not used before.`,
          },
          { type: 'value', label: 'When', value: when(template.at) },
          { type: 'value', label: 'Device', value: template.device },
          { type: 'value', label: 'Network', value: template.network ?? 'unknown' },
          { type: 'value', label: 'Way in', value: wayIn(template.method) },
          { type: 'p', text: 'If this was you, there is nothing to do.' },
          {
            type: 'p',
            text: 'If it was not you, open this link: it signs out every session, forgets every trusted device, revokes your API keys and ACL tokens, replaces your user key, and makes the next sign-in with a password need a reset by mail.',
          },
          { type: 'link', href: links.wasntMe(template.token) },
          { type: 'p', text: `The link works once, for ${LINK_DAYS} days.` },
        ],
      };
    case 'sign_in_disowned':
      return {
        subject: `Your ${service} account was secured`,
        requested: false,
        blocks: [
          {
            type: 'p',
            text: `You said a sign-in to your ${service} account was not you. We ended ${count(template.endedSessions, 'session', 'sessions')}, forgot ${count(template.forgottenDevices, 'trusted device', 'trusted devices')}, revoked ${count(template.revokedCredentials, 'API key or ACL token', 'API keys and ACL tokens')}, and replaced your user key.`,
          },
          {
            type: 'p',
            text: 'Signing in with your password now needs a new one first: choose it through the link this page mails you.',
          },
          { type: 'link', href: links.forgotPassword },
          {
            type: 'p',
            text: 'Then look over your account: its email address, passkeys, linked sign-ins and two-factor authentication.',
          },
        ],
      };
  }
}
