import { DomainError } from '../../domain/shared/errors.js';
import type { PersonProofInput } from './person-proofs.js';
import type { AccountServices } from './services.js';
import type { Caller, RequestInfo } from './types.js';

/**
 * The one step-up rule. A sensitive action needs a recent proof of the person: the session signed
 * in or proved itself within REAUTH_WINDOW, or the request carries the proof itself (the password,
 * with `totp_code` when 2FA is on; or a passkey; an account without a password gives its second
 * factor). A proof in the request also refreshes the session's window, as `POST /auth/reauth`
 * does. Otherwise 403 `reauth_required`, naming the proofs the account can give. Wrong proofs are
 * failed sign-ins. The route table applies it to every route whose policy says `stepUp`.
 */
export function stepUp(services: AccountServices) {
  const { deps, users, decideForUser, commandContext, awaitReadModels } = services;

  const recent = (caller: Caller) => {
    const at = caller.provedAt?.getTime();
    return at !== undefined && deps.clock().getTime() - at <= deps.settings.reauthWindowMs;
  };

  /** What the refusal names: the proofs this account can give here, and the ways it can sign in again. */
  const proofsOf = async (userId: string) => {
    const me = await users().findOne({ _id: userId });
    const ways = (me?.auth_methods as string[] | undefined) ?? [];
    const proofs = [
      ...(me?.has_password ? ['password'] : []),
      ...(me?.totp_enabled ? ['totp_code'] : []),
      ...(ways.includes('passkey') ? ['passkey'] : []),
    ];
    return [...new Set([...proofs, ...ways])];
  };

  const reauthRequired = async (caller: Caller, detail: string): Promise<never> => {
    throw Object.assign(new DomainError('reauth_required', detail), { methods: await proofsOf(caller.userId) });
  };

  /** POST /auth/reauth, and a proof sent with a sensitive request: the session is proven again. */
  const proveSession = async (caller: Caller, input: PersonProofInput, request: RequestInfo) => {
    if (caller.kind !== 'session' || !caller.sessionId)
      throw new DomainError('forbidden', 'Only a login session proves itself again');
    const sessionId = caller.sessionId;
    const proof = await services.proofOf(caller.userId, input, request);
    const result = await decideForUser(
      caller.userId,
      async (state) => ({ type: 'ProveSession', data: { sessionId, reauth: await proof(state) } }),
      commandContext(request, caller.userId),
    );
    services.refuseFailedLogin(result.events);
    await awaitReadModels(result);
    return { provedAt: deps.clock(), position: result.position };
  };

  return {
    proveSession,
    /** Whether the session's proof is recent enough for a sensitive action. */
    recentlyProved: recent,
    /**
     * The step-up gate: a proof the request carries is always weighed (a wrong one is refused, 401,
     * and counts toward the lockout, however recent the session); without one, a recent session
     * passes and the rest are refused (403).
     */
    async requireStepUp(caller: Caller, proof: PersonProofInput, request: RequestInfo) {
      if (caller.kind !== 'session') return;
      if (proof.password !== undefined || proof.passkey !== undefined || proof.totpCode !== undefined) {
        await proveSession(caller, proof, request);
        return;
      }
      if (recent(caller)) return;
      await reauthRequired(
        caller,
        'This needs a recent proof that it is you: send the password (and totp_code), or a passkey, or POST /auth/reauth first',
      );
    },
    reauthRequired,
  };
}
