import { randomUUID } from 'node:crypto';
import { CHALLENGE_TTL_MS } from '../../domain/challenge/decider.js';
import { DomainError } from '../../domain/shared/errors.js';
import type { CommandContext } from '../events/codec.js';
import { JOBS } from '../jobs.js';
import type { MailTemplate } from '../mail/templates.js';
import { sixDigitCode } from './second-factor.js';
import type { Shared } from './shared.js';

/** What the accounts layer sends out through the job queue: mails that carry a secret, and requests a worker fulfils. */
export function outbox(shared: Shared) {
  const { deps } = shared;

  /**
   * A mail that carries a secret goes to the queue right after its command: the secret lives in
   * the job only and is removed once it is sent. When the queue cannot take it, the request fails
   * (503) and the user asks again.
   */
  const sendMail = async (to: string, template: MailTemplate, jobId: string) => {
    try {
      await deps.queue.add(
        JOBS.sendMail,
        { kind: template.kind, to, template },
        { jobId, attempts: 8, backoffMs: 2000, secretFields: ['template', 'to'] },
      );
    } catch (err) {
      deps.logger.error({ err, kind: template.kind }, 'could not enqueue a mail');
      throw new DomainError('unavailable', 'Mail cannot be sent right now; try again shortly');
    }
  };

  /**
   * A request whose answer must not depend on whether the address has an account: it only goes
   * to the queue (the address in the job until it is done), and a worker does the rest.
   */
  const enqueueRequest = async (name: string, email: string) => {
    try {
      await deps.queue.add(
        name,
        { email },
        { jobId: randomUUID(), attempts: 5, backoffMs: 2000, secretFields: ['email'] },
      );
    } catch (err) {
      deps.logger.error({ err, job: name }, 'could not enqueue a request');
      throw new DomainError('unavailable', 'Mail cannot be sent right now; try again shortly');
    }
  };

  /** An email-verification code for the account's current address; answers its otp_session. */
  const sendEmailVerification = async (userId: string, email: string, emailClaim: string, ctx: CommandContext) => {
    const code = sixDigitCode();
    const { challengeId } = await deps.challenges.issue(
      { purpose: 'email_verification', userId, emailClaim, secret: code, ttlMs: CHALLENGE_TTL_MS.email_verification },
      ctx,
    );
    await sendMail(email, { kind: 'email_verification', code, otpSession: challengeId }, `mail:${challengeId}`);
    return challengeId;
  };

  return { sendMail, enqueueRequest, sendEmailVerification };
}
