import { userIdOfStream } from '../domain/user/events.js';
import type { DecodedEvent } from '../src/events/codec.js';
import type { MailTemplate } from '../src/mail/templates.js';
import type { JobQueue } from '../src/ports/job-queue.js';
import { JOB_RETENTION_MS } from '../src/ports/job-queue.js';
import type { Reaction } from '../src/reactors/reactor.js';
import { JOBS } from '../src/jobs.js';
import type { NewDeviceNoticeJob } from '../src/accounts/new-device-notices.js';

/** The security notices, by the event that calls for one. */
const NOTICE: Record<string, (event: DecodedEvent) => MailTemplate | null> = {
  PasswordChanged: (event) => (event.data.initial ? null : { kind: 'password_changed' }),
  TotpEnabled: () => ({ kind: 'totp_enabled' }),
  // A reclaim's own notice says that two-factor ended with everything else.
  TotpDisabled: (event) => (event.data.reason === 'reclaimed' ? null : { kind: 'totp_disabled' }),
  AccountReclaimed: (event) => ({
    kind: 'account_reclaimed',
    endedSessions: event.data.endedSessions as number,
    hadPassword: event.data.hadPassword as boolean,
    hadTotp: event.data.hadTotp as boolean,
    unlinkedIdentities: event.data.unlinkedIdentities as number,
  }),
  BackupCodeUsed: () => ({ kind: 'backup_code_used' }),
  PasskeyCounterRegressed: () => ({ kind: 'passkey_cloned' }),
  SignInDisowned: (event) => ({
    kind: 'sign_in_disowned',
    endedSessions: event.data.endedSessions as number,
    forgottenDevices: event.data.forgottenDevices as number,
    revokedCredentials: event.data.revokedCredentials as number,
  }),
};

/**
 * The reactor that turns events into jobs: expiry timers for challenges, and notices to the
 * account's verified address. The job id is the event id, so a replay or a restart never sends
 * twice while the queue remembers the id; older events than that are not replayed into jobs.
 */
export function jobsReaction(deps: {
  queue: JobQueue;
  clock: () => Date;
  verifiedEmailOf: (userId: string) => Promise<string | null>;
}): Reaction {
  // A margin inside the queue's memory of job ids: an event older than this is never re-sent.
  const horizonMs = JOB_RETENTION_MS - 24 * 3_600_000;
  return {
    name: 'jobs',
    handles: ['ChallengeIssued', 'NewDeviceSignIn', ...Object.keys(NOTICE)],
    async react(event) {
      const now = deps.clock().getTime();
      if (now - event.created.getTime() > horizonMs) return;
      if (event.type === 'ChallengeIssued') {
        const expiresAt = new Date(event.data.expiresAt as string).getTime();
        await deps.queue.add(
          JOBS.expireChallenge,
          { challengeId: event.data.challengeId as string },
          { jobId: event.id, delayMs: Math.max(0, expiresAt - now) + 1000 },
        );
        return;
      }
      if (event.type === 'NewDeviceSignIn') {
        // The worker makes the notice's link (a secret): the job carries only what the event says.
        const job: NewDeviceNoticeJob = {
          userId: userIdOfStream(event.streamId),
          ...(event.data as Omit<NewDeviceNoticeJob, 'userId'>),
        };
        if (job.device === null || !job.email) return; // no verified address, or erased since: nobody to tell
        await deps.queue.add(JOBS.newDeviceNotice, job, {
          jobId: event.id,
          attempts: 8,
          backoffMs: 2000,
          secretFields: ['device', 'network', 'email'],
        });
        return;
      }
      const template = NOTICE[event.type]!(event);
      if (!template) return;
      const to = await deps.verifiedEmailOf(userIdOfStream(event.streamId));
      if (!to) return;
      await deps.queue.add(
        JOBS.sendMail,
        { kind: template.kind, to, template },
        { jobId: event.id, attempts: 8, backoffMs: 2000, secretFields: ['to'] },
      );
    },
  };
}
