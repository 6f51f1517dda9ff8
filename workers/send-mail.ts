import { renderMail, type MailContext, type MailTemplate } from '../src/mail/templates.js';
import type { JobProcessor } from '../src/ports/job-queue.js';
import type { Mailer } from '../src/ports/mailer.js';

export interface SendMailJob extends Record<string, unknown> {
  kind: string;
  to: string;
  template: MailTemplate;
}

/** Renders and sends one mail; a transport error throws, and the queue retries with backoff. */
export const sendMailProcessor =
  (mailer: Mailer, context: MailContext): JobProcessor<SendMailJob> =>
  async (job) => {
    const { to, template } = job.data;
    await mailer.send({ to, ...renderMail(template, context) });
  };
