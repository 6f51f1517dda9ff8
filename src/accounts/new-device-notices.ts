import { CHALLENGE_TTL_MS, requireOpen } from '../../domain/challenge/decider.js';
import { DomainError, isDomainError, refuse } from '../../domain/shared/errors.js';
import type { UserEvent } from '../../domain/user/events.js';
import { credentialSweep } from './credential-sweep.js';
import { SYSTEM } from './mailbox-checks.js';
import { randomToken } from './second-factor.js';
import type { AccountServices } from './services.js';
import type { RequestInfo } from './types.js';
import { newUsrKey } from './usr-key.js';

/** What the jobs reactor hands the worker for a `NewDeviceSignIn` event (the device and network until the job is done). */
export type NewDeviceNoticeJob = { userId: string } & Extract<UserEvent, { type: 'NewDeviceSignIn' }>['data'];

/** A "this wasn't me" token: `<challenge id>.<secret>`, as the notice's link carries it. */
const TOKEN = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{16,128})$/;

/**
 * New-device sign-in notices and their "this wasn't me" link. The user aggregate decides that a
 * sign-in's device is new (`NewDeviceSignIn`, in the same append as the session); the jobs
 * reactor turns that event into a job, and the worker here makes the single-use link and mails
 * it to the account's verified address.
 */
export function newDeviceNotices(services: AccountServices) {
  const { deps, commandContext, decideForUser, awaitReadModels, loadUser } = services;
  const sweep = credentialSweep(services);
  const invalid = () => new DomainError('invalid_credentials', 'This link is not valid');
  const damaged = () =>
    new DomainError(
      'invalid_credentials',
      'This link was damaged on its way and no longer works: reset the password instead',
    );

  return {
    /** The worker's half: a 7-day single-use link, mailed with what the sign-in was. */
    async fulfilNewDeviceNotice(job: NewDeviceNoticeJob) {
      if (!job.email) return;
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
      // Keyed by the sign-in, not the link: a retry of this job makes another link but no second mail.
      await services.sendMail(
        job.email,
        {
          kind: 'new_device_sign_in',
          token: `${challengeId}.${secret}`,
          device: job.device,
          network: job.network,
          method: job.method,
          at: job.at,
        },
        `mail:new-device:${job.sessionId}`,
      );
    },

    /**
     * POST /auth/wasnt-me: the owner disowns the sign-in the notice told of. API keys and ACL
     * tokens are revoked, then every session ends, every device is forgotten, the user key is
     * replaced and the next password sign-in needs a reset by mail (one command); a second sweep
     * catches a credential made in between. The link is spent last, so a crash before that leaves
     * it working; the account's own record of the links it acted on keeps a second press, a press
     * after such a crash, or two racing ones from acting twice (the link is spent then).
     */
    async disownSignIn(input: { token: string }, request: RequestInfo) {
      const [, challengeId, secret] = TOKEN.exec(input.token) ?? [];
      if (!challengeId || !secret) throw invalid();
      const challenge = await deps.challenges.load(challengeId);
      if (challenge.issued?.purpose !== 'wasnt_me' || !challenge.issued.sessionId) throw invalid();
      const userId = challenge.issued.userId;
      const ctx = commandContext(request, userId);
      // A link a wrong secret burned was damaged on its way: it says so, never "already used".
      if (challenge.status === 'burned') throw damaged();
      // Used or expired (whether or not its expiry was recorded yet): refused before anything is done.
      requireOpen(challenge, deps.clock());
      // A wrong secret spends the link (it allows one attempt).
      if (!deps.challenges.secretMatches(challenge, secret))
        await deps.challenges
          .answer(challengeId, () => false, ctx, damaged())
          .catch((error: unknown) => {
            throw isDomainError(error) && error.code === 'challenge_used' ? damaged() : error;
          });
      const spend = () =>
        deps.challenges.answer(challengeId, (s) => deps.challenges.secretMatches(s, secret), ctx, damaged());
      if ((await loadUser(userId)).disownedBy.has(challengeId)) {
        await spend();
        return refuse('challenge_used', 'This link was already used');
      }
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
      ).catch(async (error: unknown) => {
        // A racing press got there first: the link is spent with it.
        if (isDomainError(error) && error.code === 'challenge_used') await spend().catch(() => undefined);
        throw error;
      });
      await awaitReadModels(result);
      const late = await sweep(userId, 'wasnt_me', request);
      // A racing press that saw this disowning may have spent the link first: it is spent either way.
      const spent = await spend().catch((error: unknown) => {
        if (isDomainError(error) && error.code === 'challenge_used') return { position: null };
        throw error;
      });
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
