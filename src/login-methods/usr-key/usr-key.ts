import { timingSafeEqual } from 'node:crypto';
import { DomainError, refuse } from '../../../domain/shared/errors.js';
import type { UserState } from '../../../domain/user/decider.js';
import { usrKey as usrLookup } from '../../../projections/lookups.js';
import { secondFactorFrom } from '../../accounts/second-factor.js';
import type { AccountServices } from '../../accounts/services.js';
import { signInPath } from '../../accounts/sign-in.js';
import type { Caller, RequestInfo } from '../../accounts/types.js';
import { hashUsrKey, newUsrKey } from '../../accounts/usr-key.js';

/** The legacy user key: its login, and, for a signed-in account, showing and replacing it (step-up routes). */
export function usrKeyAccounts(services: AccountServices) {
  const { deps, lookups, commandContext, awaitReadModels, decideForUser, loadUser } = services;
  const signIn = signInPath(services);

  return {
    /** POST /auth/usr: the legacy user key logs in (TOTP and lockout apply as for passwords). */
    async loginWithUsr(input: { usr: string; totpCode?: string }, request: RequestInfo) {
      if (!deps.settings.allowUsrLogin) refuse('forbidden', 'Login with a user key is turned off here');
      const hash = hashUsrKey(input.usr);
      const userId = ((await lookups().findOne({ _id: usrLookup(hash) }))?.userId as string | undefined) ?? null;
      // 256 random bits: an unknown key says nothing about any account.
      if (!userId) return refuse('invalid_credentials', 'Invalid user key');
      const firstFactor = (state: UserState) =>
        state.usrHash !== null && timingSafeEqual(Buffer.from(state.usrHash, 'hex'), Buffer.from(hash, 'hex'));
      return signIn(userId, { method: 'usr', firstFactor, totpCode: input.totpCode }, request);
    },
    /**
     * GET /auth/usr-key: the account's legacy user key, a permanent login. A stolen session must
     * not be able to read it: the route is a step-up route (a session proven within REAUTH_WINDOW).
     */
    async showUsrKey(caller: Caller) {
      const state = await loadUser(caller.userId);
      if (!state.usrKey) refuse('not_found', 'This account has no user key');
      return { usr: state.usrKey! };
    },

    /** POST /auth/usr-key: a new user key (the old one stops working); a step-up route, like every sensitive action. */
    async rotateUsrKey(caller: Caller, request: RequestInfo) {
      const usr = newUsrKey();
      const result = await decideForUser(
        caller.userId,
        () => ({ type: 'RotateUsrKey', data: { ...usr, reauth: null } }),
        commandContext(request, caller.userId),
      );
      await awaitReadModels(result);
      return { usr: usr.key, position: result.position };
    },
  };
}
