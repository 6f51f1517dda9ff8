import { createHash, randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import {
  inviteDecider,
  inviteStream,
  type InviteCommand,
  type InviteEvent,
  type InviteState,
} from '../../domain/invite/decider.js';
import { isDomainError, refuse } from '../../domain/shared/errors.js';
import { normalizeEmail, normalizeUsername } from '../../domain/user/rules.js';
import type { CommandContext } from '../events/codec.js';
import type { Shared } from './shared.js';
import type { Issued, NewAccount, RequestInfo } from './types.js';
import { newUsrKey } from './usr-key.js';
import { sessionFacts } from './new-devices.js';

const SETUP_VALUE = 'first-account';

// An invite's stream is named by its token: the token itself is never stored.
const INVITE_NAMESPACE = '9d3c1a7e-6b2f-4e85-a0d4-3f7b2c9e1d56';
const INVITE_TOKEN = /^inv_[A-Za-z0-9_-]{43}$/;
/** The invite a token names, or a refusal when it cannot be one. */
export const inviteIdOf = (token: string): string => {
  if (!INVITE_TOKEN.test(token)) refuse('invite_required', 'This invite is not valid');
  return uuidv5(createHash('sha256').update(token).digest('hex'), INVITE_NAMESPACE);
};

/**
 * Making accounts: the first account's set-up claim, the registration mode and invites, the
 * username and email claims, then the account's own events. Every way of registering comes here.
 */
export function registration(shared: Shared) {
  const { deps, users, commandContext, decideForUser, issue, releaseAll } = shared;
  let setupDone = false;

  /** Whether the first account exists; once it does, that never changes, so it is remembered. */
  const isSetUp = async () => {
    if (!setupDone)
      setupDone = (await deps.claims.holder(deps.claims.streamOf('setup', SETUP_VALUE)))?.standing === 'holds';
    return setupDone;
  };

  /** The first account takes the set-up claim and becomes admin; later ones find it held. */
  const takeSetupClaim = async (owner: string, ctx: CommandContext): Promise<string | null> => {
    if (setupDone) return null;
    try {
      return await deps.claims.claim('setup', SETUP_VALUE, owner, ctx);
    } catch (error) {
      if (isDomainError(error) && error.code === 'conflict') {
        await isSetUp();
        return null;
      }
      throw error;
    }
  };

  /** An invite's use, taken for a new account (given back should the registration fail). */
  const decideForInvite = (inviteId: string, command: InviteCommand, ctx: CommandContext) =>
    deps.commands.handle<InviteEvent, InviteState>(
      inviteDecider,
      inviteStream(inviteId),
      (state) => inviteDecider.decide(command, state),
      ctx,
    );

  const takeInvite = async (inviteId: string, userId: string, registrationId: string, ctx: CommandContext) => {
    const { state } = await decideForInvite(
      inviteId,
      { type: 'UseInvite', data: { userId, registrationId, now: deps.clock() } },
      ctx,
    );
    // An invite dies with its issuer's standing: a deleted or disabled account invites no one, and
    // with INVITES=admins neither does one that is no longer an admin.
    const issuer = await users().findOne({ _id: state.issuerId! });
    if (
      !issuer ||
      issuer.disabled === true ||
      (deps.settings.invites === 'admins' && issuer.is_admin !== true) ||
      (state.role === 'admin' && issuer.role !== 'superadmin')
    ) {
      await decideForInvite(inviteId, { type: 'ReturnInviteUse', data: { registrationId } }, ctx);
      refuse('invite_required', 'This invite is no longer valid');
    }
    return { inviteId, issuerId: state.issuerId!, role: state.role };
  };

  /** The registration mode's refusal of a new account (once the first account exists). */
  const refuseByRegistrationMode = (withInvite: boolean) => {
    if (deps.settings.registration === 'closed') refuse('registration_closed', 'Registration is closed');
    if (deps.settings.registration === 'invite' && !withInvite)
      refuse('invite_required', 'Registration needs an invite: send its token as referrer_token');
  };

  /**
   * Makes an account: set-up claim, the registration mode (and the invite's use), username and
   * email claims, then the account's own events. A refusal on the way gives back what this
   * request took (its owner id is new, so no other request can be using those claims).
   */
  const createAccount = async (
    input: NewAccount,
    request: RequestInfo,
    options: { session: boolean },
  ): Promise<{
    userId: string;
    sessionId: string | null;
    position: bigint | null;
    events: readonly { type: string }[];
    usr: string;
  }> => {
    // Every way of making an account but an admin's (or the operator's) passes the CAPTCHA, when one is on.
    if (!input.createdBy) await shared.requireCaptcha('registration', request);
    const userId = input.userId ?? randomUUID();
    // One spelling of an address everywhere: its claim, its lookup and the account (providers and admins may send any case).
    input = { ...input, email: input.email ? normalizeEmail(input.email) : null };
    const ctx = commandContext(request, input.createdBy ?? userId);
    const setupClaim = await takeSetupClaim(userId, ctx);
    // The first account is always allowed; an admin may always make one.
    if (!setupClaim && !input.createdBy) refuseByRegistrationMode(input.invite !== undefined);
    const claimed: string[] = [];
    let invite: { inviteId: string; issuerId: string; role: 'user' | 'admin' } | null = null;
    // This attempt's name for the invite use it takes: only this attempt gives that use back.
    const registrationId = randomUUID();
    try {
      if (input.invite && !setupClaim && !input.createdBy)
        invite = await takeInvite(input.invite.inviteId, userId, registrationId, ctx);
      claimed.push(await deps.claims.claim('username', normalizeUsername(input.username), userId, ctx));
      if (input.email) claimed.push(await deps.claims.claim('email', input.email, userId, ctx));
      const sessionId = options.session ? randomUUID() : null;
      const usr = newUsrKey();
      const role = input.role ?? (invite?.role === 'admin' ? 'admin' : undefined);
      const result = await decideForUser(
        userId,
        () => ({
          type: 'RegisterUser',
          data: {
            userId,
            username: input.username,
            usernameClaim: claimed[0]!,
            email: input.email,
            emailClaim: claimed[1] ?? null,
            emailVerified: input.emailVerified ?? false,
            displayName: input.displayName,
            passwordHash: input.passwordHash,
            setupClaim,
            usr,
            ...(input.identity ? { identity: input.identity } : {}),
            ...(input.passkey ? { passkey: input.passkey } : {}),
            ...(role ? { role } : {}),
            ...(input.names ? { names: input.names } : {}),
            ...(input.createdBy
              ? { createdBy: input.createdBy, mustResetPassword: input.mustResetPassword ?? false }
              : {}),
            ...(invite ? { invitedBy: { inviteId: invite.inviteId, issuerId: invite.issuerId } } : {}),
            session: sessionId ? { ...sessionFacts(sessionId, request, deps.clock()), method: input.method } : null,
          },
        }),
        ctx,
      );
      if (setupClaim) setupDone = true;
      return { userId, sessionId, position: result.position, events: result.events, usr: usr.key };
    } catch (error) {
      await releaseAll([...claimed, setupClaim], userId, ctx);
      if (invite)
        await decideForInvite(invite.inviteId, { type: 'ReturnInviteUse', data: { registrationId } }, ctx).catch(
          (err: unknown) => deps.logger.error({ err, correlationId: ctx.correlationId }, 'invite use not given back'),
        );
      throw error;
    }
  };

  /** Makes an account and signs it in: every way of registering comes through here. */
  const registerAccount = async (input: NewAccount, request: RequestInfo): Promise<Issued & { userId: string }> => {
    const made = await createAccount(input, request, { session: true });
    return { ...(await issue(made.userId, made.sessionId!, made)), userId: made.userId, usr: made.usr };
  };

  return { isSetUp, refuseByRegistrationMode, decideForInvite, createAccount, registerAccount };
}
