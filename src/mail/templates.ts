/**
 * The mails the service sends, as pure functions: a template plus the service's name, public URL
 * and link base in, subject + plain text + HTML out. Every interpolated value is HTML-escaped in the HTML
 * part, and no subject ever carries the secret (subjects show up in notification previews and in
 * mail server logs).
 */
import type { MailMessage } from '../ports/mailer.js';
import { renderHtml, renderText, type Content } from './render.js';
import { ACCOUNT_SETUP_TTL_MS, CHALLENGE_TTL_MS } from '../../domain/challenge/decider.js';
import { adminNoticeContent, type AdminNoticeTemplate } from './admin-notices.js';
import { deviceNoticeContent, type DeviceNoticeTemplate } from './device-notices.js';

export type MailTemplate =
  /** A 6-digit sign-in code, valid 10 minutes. */
  | { kind: 'login_code'; code: string }
  /** A code for confirming the address, valid 10 minutes, used with `otp_session` on `POST /auth/verify-otp`. */
  | { kind: 'email_verification'; code: string; otpSession: string }
  /** A single-use reset token, valid 30 minutes, sent as a link to `$LINK_BASE_URL/reset-password`. */
  | { kind: 'password_reset'; token: string }
  /** An admin made the account: a single-use link to choose its password (`$LINK_BASE_URL/set-password`), valid 7 days. */
  | { kind: 'account_created'; token: string; username: string }
  | { kind: 'password_changed' }
  | { kind: 'totp_enabled' }
  | { kind: 'totp_disabled' }
  | { kind: 'backup_code_used' }
  /** A passkey answered with a signature counter lower than before: the sign-in was refused. */
  | { kind: 'passkey_cloned' }
  /** The address was proven on an account where it was never verified: what was ended. */
  | {
      kind: 'account_reclaimed';
      endedSessions: number;
      hadPassword: boolean;
      hadTotp: boolean;
      unlinkedIdentities: number;
    }
  | DeviceNoticeTemplate
  | AdminNoticeTemplate;

export type MailKind = MailTemplate['kind'];

export interface MailContext {
  serviceName: string;
  /** PUBLIC_URL: the service that sent the mail, named in the footer. */
  publicUrl: string;
  /** LINK_BASE_URL (PUBLIC_URL unless an app serves its own pages): the base of every link to a page. */
  linkBaseUrl: string;
}

const CODE_TTL_MINUTES = CHALLENGE_TTL_MS.email_code / 60_000;
const RESET_TTL_MINUTES = CHALLENGE_TTL_MS.password_reset / 60_000;

/**
 * The pages mail links lead to, each under the link base: the service serves them itself
 * (src/http/routes/password-pages.ts), or an app with LINK_BASE_URL serves its own. Both take the
 * token to `PUT /api/v1/auth/reset-password`.
 */
export const MAIL_PAGES = {
  resetPassword: '/reset-password',
  setPassword: '/set-password',
  forgotPassword: '/forgot-password',
  wasntMe: '/wasnt-me',
} as const;

const pageLink = (linkBase: string, page: string, token: string) =>
  `${trimUrl(linkBase)}${page}?token=${encodeURIComponent(token)}`;

/** The link of a password-reset mail. */
export const resetLink = (linkBase: string, token: string): string =>
  pageLink(linkBase, MAIL_PAGES.resetPassword, token);

/** The "this wasn't me" link of a new-device notice. */
export const wasntMeLink = (linkBase: string, token: string): string => pageLink(linkBase, MAIL_PAGES.wasntMe, token);

/** The link of an admin-made account's mail, to choose its first password. */
export const setPasswordLink = (linkBase: string, token: string): string =>
  pageLink(linkBase, MAIL_PAGES.setPassword, token);

function trimUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

const NOT_YOU =
  'If this was not you, reset your password right away and contact support: someone else may have access to your account.';

function content(template: MailTemplate, ctx: MailContext): Content {
  const service = ctx.serviceName;
  switch (template.kind) {
    case 'login_code':
      return {
        subject: `Your sign-in code for ${service}`,
        requested: true,
        blocks: [
          { type: 'p', text: `Use this code to sign in to ${service}:` },
          { type: 'code', label: 'Sign-in code', value: template.code },
          {
            type: 'p',
            text: `The code is valid for ${CODE_TTL_MINUTES} minutes and works once. A newer code replaces it.`,
          },
          { type: 'p', text: 'Never share this code: nobody from the service will ever ask you for it.' },
        ],
      };
    case 'email_verification':
      return {
        subject: `Confirm your email address for ${service}`,
        requested: true,
        blocks: [
          { type: 'p', text: `Enter this code to confirm your email address for ${service}:` },
          { type: 'code', label: 'Verification code', value: template.code },
          { type: 'p', text: `The code is valid for ${CODE_TTL_MINUTES} minutes.` },
          {
            type: 'p',
            text: 'Using the API? Send the code together with this otp_session value to POST /auth/verify-otp:',
          },
          { type: 'value', label: 'otp_session', value: template.otpSession },
        ],
      };
    case 'account_created':
      return {
        subject: `Your ${service} account is ready`,
        requested: true,
        blocks: [
          {
            type: 'p',
            text: `An administrator made you an account at ${service}. Your username is ${template.username}. Open this link to choose your password:`,
          },
          { type: 'link', href: setPasswordLink(ctx.linkBaseUrl, template.token) },
          { type: 'p', text: `The link is valid for ${ACCOUNT_SETUP_TTL_MS / 86_400_000} days and works once.` },
        ],
      };
    case 'password_reset':
      return {
        subject: `Reset your ${service} password`,
        requested: true,
        blocks: [
          {
            type: 'p',
            text: `Someone asked to reset the password of your ${service} account. Open this link to choose a new password:`,
          },
          { type: 'link', href: resetLink(ctx.linkBaseUrl, template.token) },
          {
            type: 'p',
            text: `The link is valid for ${RESET_TTL_MINUTES} minutes and works once. Setting a new password signs you out everywhere.`,
          },
        ],
      };
    case 'password_changed':
      return {
        subject: `Your ${service} password was changed`,
        requested: false,
        blocks: [
          {
            type: 'p',
            text: `The password of your ${service} account was just changed, and every other session was signed out.`,
          },
          { type: 'p', text: NOT_YOU },
        ],
      };
    case 'totp_enabled':
      return {
        subject: `Two-factor authentication is now on for ${service}`,
        requested: false,
        blocks: [
          {
            type: 'p',
            text: `Two-factor authentication was turned on for your ${service} account. Signing in now needs a code from your authenticator app.`,
          },
          { type: 'p', text: NOT_YOU },
        ],
      };
    case 'totp_disabled':
      return {
        subject: `Two-factor authentication is now off for ${service}`,
        requested: false,
        blocks: [
          {
            type: 'p',
            text: `Two-factor authentication was turned off for your ${service} account. Signing in now needs only your password.`,
          },
          { type: 'p', text: NOT_YOU },
        ],
      };
    case 'account_reclaimed': {
      const ended = [
        template.endedSessions > 0
          ? `${template.endedSessions} signed-in session${template.endedSessions === 1 ? '' : 's'}`
          : null,
        template.hadPassword ? 'the password it had' : null,
        'its user key, API keys and ACL tokens',
        template.hadTotp ? 'two-factor authentication' : null,
        template.unlinkedIdentities > 0
          ? `${template.unlinkedIdentities} linked sign-in${template.unlinkedIdentities === 1 ? '' : 's'} (Nostr, Lightning wallet or OAuth)`
          : null,
      ].filter((part): part is string => part !== null);
      return {
        subject: `Your ${service} account was secured`,
        requested: false,
        blocks: [
          {
            type: 'p',
            text: `You just proved this address on a ${service} account where it had never been verified. Someone else may have set that account up with your address, so everything set up before was ended: ${ended.join(', ')}.`,
          },
          {
            type: 'p',
            text: 'Only you can sign in now. Look over its username, profile and ACLs, and set a password or two-factor authentication again if you want them.',
          },
        ],
      };
    }
    case 'backup_code_used':
      return {
        subject: `A backup code was used for your ${service} account`,
        requested: false,
        blocks: [
          {
            type: 'p',
            text: `One of your two-factor backup codes was just used on your ${service} account. Each code works once; create new ones when you run low.`,
          },
          { type: 'p', text: NOT_YOU },
        ],
      };
    case 'passkey_cloned':
      return {
        subject: `A copy of one of your ${service} passkeys may exist`,
        requested: false,
        blocks: [
          {
            type: 'p',
            text: `Someone just tried to sign in to your ${service} account with one of your passkeys, but its signature counter went backwards: that happens when the passkey was copied off the device that made it. The sign-in was refused.`,
          },
          {
            type: 'p',
            text: 'Sign in, look at your passkeys, and remove the one you no longer trust; then add it again from your device.',
          },
          { type: 'p', text: NOT_YOU },
        ],
      };
    case 'new_device_sign_in':
    case 'sign_in_disowned':
      return deviceNoticeContent(template, service, {
        wasntMe: (token) => wasntMeLink(ctx.linkBaseUrl, token),
        forgotPassword: `${trimUrl(ctx.linkBaseUrl)}${MAIL_PAGES.forgotPassword}`,
      });
    case 'webhook_endpoint_disabled':
      return adminNoticeContent(template, service);
  }
}

function footer(ctx: MailContext, requested: boolean, reason?: string): string {
  const sentBy = `Sent by ${ctx.serviceName} (${trimUrl(ctx.publicUrl)}).`;
  if (reason) return `${sentBy} ${reason}`;
  return requested
    ? `${sentBy} If you did not ask for this, you can ignore this mail.`
    : `${sentBy} You get this notice whenever the security of your account changes.`;
}

/** Builds the subject, plain-text and HTML parts of a mail. */
export function renderMail(template: MailTemplate, ctx: MailContext): Omit<MailMessage, 'to'> {
  const { subject: rawSubject, blocks, requested, footer: reason } = content(template, ctx);
  // A header must stay on one line whatever the service name holds.
  const subject = rawSubject.replace(/[\r\n\t]+/g, ' ').trim();
  const foot = footer(ctx, requested, reason);
  return {
    kind: template.kind,
    subject,
    text: renderText(blocks, foot),
    html: renderHtml(subject, blocks, foot),
  };
}
