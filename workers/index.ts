import { JOBS } from '../src/jobs.js';
import type { MailContext } from '../src/mail/templates.js';
import type { JobQueue } from '../src/ports/job-queue.js';
import type { Mailer } from '../src/ports/mailer.js';
import { expireChallengeProcessor } from './expire-challenge.js';
import { sendMailProcessor, type SendMailJob } from './send-mail.js';
import type { NewDeviceNoticeJob } from '../src/accounts/new-device-notices.js';

export { jobsReaction } from './notices.js';

/** Registers every job processor on the queue, in this process. */
export function startWorkers(deps: {
  queue: JobQueue;
  mailer: Mailer;
  mail: MailContext;
  expireChallenge: Parameters<typeof expireChallengeProcessor>[0];
  fulfilPasswordReset: (email: string) => Promise<void>;
  fulfilLoginCode: (email: string) => Promise<void>;
  fulfilNewDeviceNotice: (job: NewDeviceNoticeJob) => Promise<void>;
}) {
  deps.queue.process<SendMailJob>(JOBS.sendMail, sendMailProcessor(deps.mailer, deps.mail), { concurrency: 4 });
  deps.queue.process(JOBS.expireChallenge, expireChallengeProcessor(deps.expireChallenge), { concurrency: 2 });
  // Requests answered 202 at once, whatever the address: the lookup and the mail happen here.
  deps.queue.process<{ email: string }>(JOBS.requestPasswordReset, (job) => deps.fulfilPasswordReset(job.data.email), {
    concurrency: 2,
  });
  // The notice's single-use link is made here, so that the secret lives only in the mail's job.
  deps.queue.process<NewDeviceNoticeJob>(JOBS.newDeviceNotice, (job) => deps.fulfilNewDeviceNotice(job.data), {
    concurrency: 2,
  });
  deps.queue.process<{ email: string }>(JOBS.requestLoginCode, (job) => deps.fulfilLoginCode(job.data.email), {
    concurrency: 2,
  });
}
