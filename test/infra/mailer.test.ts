import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import { pino, type Logger } from 'pino';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmlMailer, maskAddress } from '../../src/infra/mail/eml.js';
import { createSmtpMailer } from '../../src/infra/mail/smtp.js';
import { renderMail, resetLink, setPasswordLink, type MailTemplate } from '../../src/mail/templates.js';

const ctx = {
  serviceName: 'Acme Accounts',
  publicUrl: 'http://accounts.test:3000',
  linkBaseUrl: 'http://accounts.test:3000',
};
const FROM = 'Acme Accounts <accounts@acme.test>';

function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

function addressText(value: AddressObject | AddressObject[] | undefined): string {
  if (!value) return '';
  return (Array.isArray(value) ? value : [value]).map((a) => a.text).join(', ');
}

/** A real SMTP server on a free port that keeps every raw message it accepts. */
async function startSmtp(extra: Partial<SMTPServerOptions> = {}) {
  const received: Buffer[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        received.push(Buffer.concat(chunks));
        callback();
      });
    },
    ...extra,
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('SMTP mailer (real smtp-server)', () => {
  it('delivers a password-reset mail with a text and an HTML part', async () => {
    const smtp = await startSmtp();
    cleanups.push(smtp.close);
    const { logger, lines } = capturedLogger();
    const mailer = createSmtpMailer({ url: smtp.url, from: FROM, logger });
    cleanups.push(() => mailer.close());

    await expect(mailer.verify()).resolves.toBeUndefined();

    const token = 'rst_Zx9-secret/token+=';
    const rendered = renderMail({ kind: 'password_reset', token }, ctx);
    const { messageId } = await mailer.send({ ...rendered, to: 'alice@example.com' });
    expect(messageId).toMatch(/^<.+@.+>$/);

    expect(smtp.received).toHaveLength(1);
    const mail = await simpleParser(smtp.received[0]!);
    expect(mail.from?.value[0]?.address).toBe('accounts@acme.test');
    expect(addressText(mail.to)).toBe('alice@example.com');
    expect(mail.subject).toBe(rendered.subject);
    expect(mail.subject).not.toContain(token);
    expect(mail.messageId).toBe(messageId);

    const link = resetLink(ctx.linkBaseUrl, token);
    expect(link).toBe(`http://accounts.test:3000/reset-password?token=${encodeURIComponent(token)}`);
    expect(mail.text).toBeTruthy();
    expect(typeof mail.html).toBe('string');
    const html = mail.html as string;
    expect(mail.text).toContain(link);
    expect(html).toContain(`href="${link}"`);
    expect(mail.text).toContain('Acme Accounts');
    expect(html).toContain('Acme Accounts');
    expect(mail.text).toContain(ctx.publicUrl);

    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ msg: 'mail sent', kind: 'password_reset', to: 'a***@example.com', messageId });
    expect(lines[0]).not.toContain(token);
    expect(lines[0]).not.toContain(encodeURIComponent(token));
    expect(lines[0]).not.toContain('alice');
  });

  it('rejects when the server refuses the recipient', async () => {
    const smtp = await startSmtp({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('No such user here'), { responseCode: 550 }));
      },
    });
    cleanups.push(smtp.close);
    const { logger, lines } = capturedLogger();
    const mailer = createSmtpMailer({ url: smtp.url, from: FROM, logger });
    cleanups.push(() => mailer.close());

    const rendered = renderMail({ kind: 'login_code', code: '123456' }, ctx);
    await expect(mailer.send({ ...rendered, to: 'nobody@example.com' })).rejects.toThrow();
    expect(smtp.received).toHaveLength(0);
    expect(lines).toHaveLength(0);
  });

  it('verify() rejects when nothing listens', async () => {
    const smtp = await startSmtp();
    await smtp.close();
    const { logger } = capturedLogger();
    const mailer = createSmtpMailer({ url: smtp.url, from: FROM, logger });
    cleanups.push(() => mailer.close());
    await expect(mailer.verify()).rejects.toThrow();
  });
});

describe('eml mailer', () => {
  it('writes one RFC 5322 file per mail and logs one line without the secret', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mailer-test-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const dir = join(root, 'mail'); // does not exist yet: the mailer creates it
    const { logger, lines } = capturedLogger();
    const mailer = createEmlMailer({ dir, from: FROM, logger });
    cleanups.push(() => mailer.close());

    const code = '482913';
    const rendered = renderMail({ kind: 'login_code', code }, ctx);
    const { messageId } = await mailer.send({ ...rendered, to: 'bob@example.com' });

    const files = await readdir(dir);
    expect(files).toHaveLength(1); // no temp file left behind
    const name = files[0]!;
    expect(name).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z-[0-9a-f]+\.eml$/);

    const raw = await readFile(join(dir, name));
    expect(raw.toString('latin1')).not.toMatch(/[^\r]\n/); // RFC 5322 line ends: CRLF only
    const mail = await simpleParser(raw);
    expect(mail.messageId).toBe(messageId);
    expect(mail.from?.value[0]?.address).toBe('accounts@acme.test');
    expect(addressText(mail.to)).toBe('bob@example.com');
    expect(mail.subject).toBe(rendered.subject);
    expect(mail.subject).not.toContain(code);
    expect(mail.text).toContain(code);
    expect(mail.html).toContain(code);
    expect(mail.text).toContain('Acme Accounts');
    expect(mail.html).toContain('Acme Accounts');

    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({
      level: 30,
      msg: 'mail written',
      kind: 'login_code',
      to: 'b***@example.com',
      file: join(dir, name),
    });
    expect(lines[0]).not.toContain(code);
    expect(lines[0]).not.toContain('bob@');

    // A second mail is a second file.
    await mailer.send({ ...renderMail({ kind: 'password_changed' }, ctx), to: 'bob@example.com' });
    expect((await readdir(dir)).filter((f) => f.endsWith('.eml'))).toHaveLength(2);
  });

  it('masks addresses', () => {
    expect(maskAddress('alice@example.com')).toBe('a***@example.com');
    expect(maskAddress('@example.com')).toBe('***@example.com');
    expect(maskAddress('not-an-address')).toBe('***');
  });
});

describe('templates', () => {
  const secretsOf = (t: MailTemplate): string[] =>
    t.kind === 'login_code'
      ? [t.code]
      : t.kind === 'email_verification'
        ? [t.code, t.otpSession]
        : t.kind === 'password_reset' || t.kind === 'account_created'
          ? [t.token]
          : [];

  const templates: MailTemplate[] = [
    { kind: 'login_code', code: '555123' },
    { kind: 'email_verification', code: '771204', otpSession: 'otps_4f9c2e1ab7' },
    { kind: 'password_reset', token: 'rst_q8Lk2mN0pZ' },
    { kind: 'account_created', token: 'set_w3Rt6yU8iO', username: 'grace' },
    { kind: 'password_changed' },
    { kind: 'totp_enabled' },
    { kind: 'totp_disabled' },
    { kind: 'backup_code_used' },
  ];

  it.each(templates.map((t) => [t.kind, t] as const))('%s renders text and HTML with the sender', (_kind, template) => {
    const mail = renderMail(template, ctx);
    expect(mail.kind).toBe(template.kind);
    expect(mail.subject.length).toBeGreaterThan(0);
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.text.length).toBeGreaterThan(0);
    expect(mail.html).toMatch(/^<!doctype html>/i);
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain('Sent by Acme Accounts (http://accounts.test:3000)');
    }
    for (const secret of secretsOf(template)) {
      expect(mail.subject).not.toContain(secret);
      expect(mail.text).toContain(secret);
      expect(mail.html).toContain(secret);
    }
  });

  it('codes say how long they last; the reset mail links to the reset page', () => {
    expect(renderMail({ kind: 'login_code', code: '555123' }, ctx).text).toContain('10 minutes');
    const verification = renderMail({ kind: 'email_verification', code: '771204', otpSession: 'otps_1' }, ctx);
    expect(verification.text).toContain('10 minutes');
    expect(verification.text).toContain('otp_session');
    expect(verification.text).toContain('POST /auth/verify-otp');
    const reset = renderMail({ kind: 'password_reset', token: 'abc' }, { ...ctx, linkBaseUrl: 'https://id.example/' });
    expect(reset.text).toContain('https://id.example/reset-password?token=abc');
    expect(reset.text).toContain('30 minutes');
    const setup = renderMail(
      { kind: 'account_created', token: 'abc', username: 'grace' },
      { ...ctx, linkBaseUrl: 'https://id.example/' },
    );
    expect(setup.text).toContain('https://id.example/set-password?token=abc');
    expect(setup.text).toContain('7 days');
  });

  it("points links at LINK_BASE_URL (an app's own pages, with a path) while the footer still names the service", () => {
    const appCtx = { ...ctx, linkBaseUrl: 'https://app.example.test/account' };
    const reset = renderMail({ kind: 'password_reset', token: 'a.b' }, appCtx);
    expect(reset.text).toContain(resetLink(appCtx.linkBaseUrl, 'a.b'));
    expect(resetLink(appCtx.linkBaseUrl, 'a.b')).toBe('https://app.example.test/account/reset-password?token=a.b');
    expect(reset.html).toContain('href="https://app.example.test/account/reset-password?token=a.b"');
    const setup = renderMail({ kind: 'account_created', token: 'a.b', username: 'grace' }, appCtx);
    expect(setPasswordLink(appCtx.linkBaseUrl, 'a.b')).toBe('https://app.example.test/account/set-password?token=a.b');
    expect(setup.html).toContain('href="https://app.example.test/account/set-password?token=a.b"');
    for (const mail of [reset, setup]) expect(mail.text).toContain('Sent by Acme Accounts (http://accounts.test:3000)');
  });

  it('security notices tell the user what to do when it was not them', () => {
    for (const kind of ['password_changed', 'totp_enabled', 'totp_disabled', 'backup_code_used'] as const) {
      const mail = renderMail({ kind }, ctx);
      expect(mail.text).toMatch(/reset your password/i);
      expect(mail.text).toMatch(/contact support/i);
    }
  });

  it('escapes every interpolated value in the HTML part', () => {
    const evil = '<script>alert(1)</script>';
    const evilCtx = {
      serviceName: evil,
      publicUrl: `http://x.test/"><script>`,
      linkBaseUrl: `http://x.test/"><script>`,
    };
    const rendered: MailTemplate[] = [
      { kind: 'login_code', code: evil },
      { kind: 'email_verification', code: evil, otpSession: evil },
      { kind: 'password_reset', token: evil },
      { kind: 'account_created', token: evil, username: evil },
      { kind: 'password_changed' },
      { kind: 'totp_enabled' },
      { kind: 'totp_disabled' },
      { kind: 'backup_code_used' },
    ];
    for (const template of rendered) {
      const mail = renderMail(template, evilCtx);
      expect(mail.html).not.toContain('<script');
      expect(mail.html).not.toContain('x.test/">');
      expect(mail.html).toContain('x.test/&quot;&gt;&lt;script&gt;');
      expect(mail.html).toContain('&lt;script&gt;');
    }
    const reset = renderMail({ kind: 'password_reset', token: evil }, ctx);
    expect(reset.html).toContain(`href="http://accounts.test:3000/reset-password?token=${encodeURIComponent(evil)}"`);
  });

  it('keeps a subject on one line', () => {
    const mail = renderMail({ kind: 'password_changed' }, { ...ctx, serviceName: 'Acme\r\nBcc: x@y.test' });
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });
});
