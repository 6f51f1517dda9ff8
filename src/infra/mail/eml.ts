/**
 * The embedded mail adapter: every mail becomes an RFC 5322 `.eml` file in a directory
 * (`DATA_DIR/mail`) plus one log line that names the file but never the secret in it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { MailMessage, Mailer } from '../../ports/mailer.js';

/** `alice@example.com` → `a***@example.com`: enough to tell mails apart in a log, not to harvest addresses. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return '***';
  const local = address.slice(0, at);
  return `${local.slice(0, 1)}***${address.slice(at)}`;
}

/** The nodemailer message both adapters send: a text and an HTML alternative. */
export function toNodemailerMessage(from: string, message: MailMessage) {
  return {
    from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}

export function createEmlMailer(options: { dir: string; from: string; logger: Logger }): Mailer {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  let dirReady: Promise<unknown> | undefined;

  return {
    async send(message) {
      const info = await transporter.sendMail(toNodemailerMessage(options.from, message));
      const raw = info.message;
      if (!Buffer.isBuffer(raw)) throw new Error('stream transport did not return a buffer');

      dirReady ??= mkdir(options.dir, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
        dirReady = undefined;
        throw err;
      });
      await dirReady;

      const name = `${new Date().toISOString().replace(/:/g, '-')}-${randomBytes(6).toString('hex')}.eml`;
      const file = join(options.dir, name);
      // Write beside the final name, then rename: a reader listing `*.eml` never sees half a file.
      const temp = join(options.dir, `.${name}.tmp`);
      try {
        await writeFile(temp, raw, { mode: 0o600, flag: 'wx' });
        await rename(temp, file);
      } catch (err) {
        await rm(temp, { force: true }).catch(() => undefined);
        throw err;
      }

      options.logger.info({ kind: message.kind, to: maskAddress(message.to), file }, 'mail written');
      return { messageId: info.messageId };
    },

    async verify() {
      await mkdir(options.dir, { recursive: true, mode: 0o700 });
    },

    async close() {
      transporter.close();
    },
  };
}
