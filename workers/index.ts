import { REQUEST_LOGIN_CODE, REQUEST_PASSWORD_RESET } from '../src/accounts/kit.js';
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
  fulfilPasswordReset: (email: string) => Promise<void>;
  fulfilLoginCode: (email: string) => Promise<void>;
}) {
  deps.queue.process<SendMailJob>(SEND_MAIL, sendMailProcessor(deps.mailer, deps.mail), { concurrency: 4 });
  deps.queue.process(EXPIRE_CHALLENGE, expireChallengeProcessor(deps.expireChallenge), { concurrency: 2 });
  // Requests answered 202 at once, whatever the address: the lookup and the mail happen here.
  deps.queue.process<{ email: string }>(REQUEST_PASSWORD_RESET, (job) => deps.fulfilPasswordReset(job.data.email), { concurrency: 2 });
  deps.queue.process<{ email: string }>(REQUEST_LOGIN_CODE, (job) => deps.fulfilLoginCode(job.data.email), { concurrency: 2 });
}

