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
 * The reactor that turns events into jobs: expiry timers for challenges, notices to the
 * account's verified address, and notices to the admins about the service (a webhook endpoint
 * turned off). The job id is the event id (with the admin's id for a notice to each admin), so a
 * replay or a restart never sends twice while the queue remembers the id; older events than that
 * are not replayed into jobs.
 */
export function jobsReaction(deps: {
  queue: JobQueue;
  clock: () => Date;
  verifiedEmailOf: (userId: string) => Promise<string | null>;
  /** Who is told about the service itself, as the read models stand once they have applied `position`. */
  adminsAt: (position: bigint) => Promise<AdminAddress[]>;
  /** A webhook endpoint's URL once the read models have applied `position`; null when it is deleted. */
  webhookUrlAt: (endpointId: string, position: bigint) => Promise<string | null>;
}): Reaction {
  // A margin inside the queue's memory of job ids: an event older than this is never re-sent.
  const horizonMs = JOB_RETENTION_MS - 24 * 3_600_000;
  return {
    name: 'jobs',
    handles: ['ChallengeIssued', 'NewDeviceSignIn', 'WebhookEndpointDisabled', ...Object.keys(NOTICE)],
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
      if (event.type === 'WebhookEndpointDisabled') {
        await webhookDisabledNotices(deps, event);
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

/** An admin (or the superadmin) who can be mailed: enabled, with a verified address. */
export interface AdminAddress {
  userId: string;
  email: string;
}

/**
 * One mail per admin about an endpoint the service turned off. One job per admin, its id the
 * event's and the admin's: a replay after a crash adds none twice, and one admin's bad address does
 * not hold up the others' mails.
 */
async function webhookDisabledNotices(deps: Parameters<typeof jobsReaction>[0], event: DecodedEvent): Promise<void> {
  // Only the service turns an endpoint off for failing; an admin's own "off" is an update.
  if (event.data.reason !== 'failing') return;
  const endpointId = event.streamId.slice('webhook-'.length);
  const url = await deps.webhookUrlAt(endpointId, event.position);
  if (url === null) return; // deleted since: nothing left to turn back on
  const template: MailTemplate = { kind: 'webhook_endpoint_disabled', endpointId, url: shownUrl(url) };
  for (const admin of await deps.adminsAt(event.position))
    await deps.queue.add(
      JOBS.sendMail,
      { kind: template.kind, to: admin.email, template },
      // The URL leaves the queue with the address once sent: a receiver's URL may hold its own token.
      { jobId: `${event.id}:${admin.userId}`, attempts: 8, backoffMs: 2000, secretFields: ['to', 'template'] },
    );
}

/**
 * The URL as the mail shows it: without its query and fragment, where a receiver may keep an
 * access token of its own (mail sits in inboxes and on mail servers long after). The endpoint id
 * finds the full URL in the admin API.
 */
function shownUrl(url: string): string {
  const bare = url.split(/[?#]/, 1)[0]!;
  return bare === url ? url : `${bare}?…`;
}
