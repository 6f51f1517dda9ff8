import { CHALLENGE_TTL_MS, requireOpen } from '../../domain/challenge/decider.js';
import { DomainError } from '../../domain/shared/errors.js';
import type { SessionMethod } from '../../domain/user/events.js';
import { USERS } from '../../projections/me.js';
import { credentialSweep } from './credential-sweep.js';
import { SYSTEM } from './mailbox-checks.js';
import { randomToken } from './second-factor.js';
import type { AccountServices } from './services.js';
import type { RequestInfo } from './types.js';
import { newUsrKey } from './usr-key.js';

/** What the jobs reactor hands the worker for a `NewDeviceSignIn` event (the device and network until the job is done). */
export type NewDeviceNoticeJob = {
  userId: string;
  sessionId: string;
  method: SessionMethod;
  device: string;
  network: string | null;
  at: string;
};

/** A "this wasn't me" token: `<challenge id>.<secret>`, as the notice's link carries it. */
const TOKEN = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{16,128})$/;

/**
 * New-device sign-in notices and their "this wasn't me" link. The user aggregate decides that a
 * sign-in's device is new (`NewDeviceSignIn`, in the same append as the session); the jobs
 * reactor turns that event into a job, and the worker here makes the single-use link and mails
 * it to the account's verified address.
 */
export function newDeviceNotices(services: AccountServices) {
  const { deps, commandContext, decideForUser, awaitReadModels } = services;
  const sweep = credentialSweep(services);
  const invalid = () => new DomainError('invalid_credentials', 'This link is not valid');

  return {
    /** The worker's half: a 7-day single-use link, mailed with what the sign-in was. */
    async fulfilNewDeviceNotice(job: NewDeviceNoticeJob) {
      const user = await deps.projections.collection('me', USERS).findOne({ _id: job.userId });
      if (!user || user.email_verified !== true || typeof user.email !== 'string') return;
      const secret = randomToken();
      const { challengeId } = await deps.challenges.issue(
        {
          purpose: 'wasnt_me',
          userId: job.userId,
          sessionId: job.sessionId,
          secret,
          ttlMs: CHALLENGE_TTL_MS.wasnt_me,
          maxAttempts: 1,
        },
        commandContext(SYSTEM, null),
      );
      await services.sendMail(
        user.email,
        {
          kind: 'new_device_sign_in',
          token: `${challengeId}.${secret}`,
          device: job.device,
          network: job.network,
          method: job.method,
          at: job.at,
        },
        `mail:${challengeId}`,
      );
    },

    /**
     * POST /auth/wasnt-me: the owner disowns the sign-in the notice told of. API keys and ACL
     * tokens are revoked, then every session ends, every device is forgotten, the user key is
     * replaced and the next password sign-in needs a reset by mail (one command); a second sweep
     * catches a credential made in between. The link is spent last: a crash before that leaves it
     * working, so the person can press again, and the account's own record of the link keeps a
     * second use (or two racing ones) from acting twice.
     */
    async disownSignIn(input: { token: string }, request: RequestInfo) {
      const [, challengeId, secret] = TOKEN.exec(input.token) ?? [];
      if (!challengeId || !secret) throw invalid();
      const challenge = await deps.challenges.load(challengeId);
      if (challenge.issued?.purpose !== 'wasnt_me' || !challenge.issued.sessionId) throw invalid();
      const userId = challenge.issued.userId;
      const ctx = commandContext(request, userId);
      // Used or expired (whether or not its expiry was recorded yet): refused before anything is done.
      requireOpen(challenge, deps.clock());
      // A wrong secret spends the link (it allows one attempt), and is refused.
      if (!deps.challenges.secretMatches(challenge, secret))
        await deps.challenges.answer(challengeId, () => false, ctx, invalid());
      const revoked = await sweep(userId, 'wasnt_me', request);
      const result = await decideForUser(
        userId,
        () => ({
          type: 'DisownSignIn',
          data: {
            challengeId,
            sessionId: challenge.issued!.sessionId!,
            revokedCredentials: revoked,
            newUsr: newUsrKey(),
          },
        }),
        ctx,
      );
      await awaitReadModels(result);
      const late = await sweep(userId, 'wasnt_me', request);
      const spent = await deps.challenges.answer(
        challengeId,
        (s) => deps.challenges.secretMatches(s, secret),
        ctx,
        invalid(),
      );
      const disowned = result.events.find((event) => event.type === 'SignInDisowned');
      const facts = disowned?.type === 'SignInDisowned' ? disowned.data : { endedSessions: 0, forgottenDevices: 0 };
      return {
        endedSessions: facts.endedSessions,
        forgottenDevices: facts.forgottenDevices,
        revokedCredentials: revoked + late,
        position: spent.position ?? result.position,
      };
    },
  };
}
