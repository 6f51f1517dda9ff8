import type { MailContext } from '../src/mail/templates.js';
import type { JobQueue } from '../src/ports/job-queue.js';
import type { Mailer } from '../src/ports/mailer.js';
import { EXPIRE_CHALLENGE, expireChallengeProcessor } from './expire-challenge.js';
import { SEND_MAIL, sendMailProcessor, type SendMailJob } from './send-mail.js';

export { jobsReaction } from './notices.js';

/** Registers every job processor on the queue, in this process. */
export function startWorkers(deps: {
  queue: JobQueue;
  mailer: Mailer;
  mail: MailContext;
  expireChallenge: Parameters<typeof expireChallengeProcessor>[0];
}) {
  deps.queue.process<SendMailJob>(SEND_MAIL, sendMailProcessor(deps.mailer, deps.mail), { concurrency: 4 });
  deps.queue.process(EXPIRE_CHALLENGE, expireChallengeProcessor(deps.expireChallenge), { concurrency: 2 });
}
