/** The production mail adapter: SMTP through nodemailer (`SMTP_URL`, `MAIL_FROM`). */
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Mailer } from '../../ports/mailer.js';
import { maskAddress, toNodemailerMessage } from './eml.js';

/**
 * `url` is a nodemailer connection URL (`smtp://user:pass@host:587`, `smtps://…:465`).
 * One connection per mail (no pool): mail volume is low and a dead server is then noticed per job.
 * Errors propagate so the job queue retries.
 */
export function createSmtpMailer(options: { url: string; from: string; logger: Logger }): Mailer {
  const transporter = nodemailer.createTransport(options.url);

  return {
    async send(message) {
      const info = await transporter.sendMail(toNodemailerMessage(options.from, message));
      options.logger.info({ kind: message.kind, to: maskAddress(message.to), messageId: info.messageId }, 'mail sent');
      return { messageId: info.messageId };
    },

    async verify() {
      await transporter.verify();
    },

    async close() {
      transporter.close();
    },
  };
}
