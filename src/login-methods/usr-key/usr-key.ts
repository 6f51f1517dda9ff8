import { timingSafeEqual } from 'node:crypto';
import { DomainError, refuse } from '../../../domain/shared/errors.js';
import type { UserState } from '../../../domain/user/decider.js';
import { usrKey as usrLookup } from '../../../projections/lookups.js';
import { secondFactorFrom } from '../../accounts/second-factor.js';
import type { AccountServices } from '../../accounts/services.js';
import { signInPath } from '../../accounts/sign-in.js';
import type { Caller, RequestInfo } from '../../accounts/types.js';
import { hashUsrKey, newUsrKey } from '../../accounts/usr-key.js';

/** The legacy user key: its login, and, for a signed-in account, showing it to a recent sign-in and replacing it with a proof. */
export function usrKeyAccounts(services: AccountServices) {
  const { deps, users, lookups, commandContext, awaitReadModels, decideForUser, loadUser, passwordCheck } = services;
  const signIn = signInPath(services);

  /**
   * A sensitive read needs a recent proof: a sign-in at most REAUTH_WINDOW old. The refusal names
   * the ways this account can sign in again.
   */
  const requireRecentSignIn = async (caller: Caller, detail: string) => {
    const at = caller.signedInAt?.getTime();
    if (at !== undefined && deps.clock().getTime() - at <= deps.settings.reauthWindowMs) return;
    const me = await users().findOne({ _id: caller.userId });
    throw Object.assign(new DomainError('reauth_required', detail), {
      methods: (me?.auth_methods as string[] | undefined) ?? [],
    });
  };

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
     * not be able to read it, so it is shown only to a sign-in at most REAUTH_WINDOW old.
     */
    async showUsrKey(caller: Caller) {
      await requireRecentSignIn(
        caller,
        'Sign in again to see the user key (or replace it: POST /auth/usr-key with the password)',
      );
      const state = await loadUser(caller.userId);
      if (!state.usrKey) refuse('not_found', 'This account has no user key');
      return { usr: state.usrKey! };
    },

    /** POST /auth/usr-key: a new user key (the old one stops working), for a recent sign-in or with the password. */
    async rotateUsrKey(caller: Caller, input: { password?: string; totpCode?: string }, request: RequestInfo) {
      if (input.password === undefined)
        await requireRecentSignIn(
          caller,
          'Send the password (and totp_code with 2FA), or sign in again, to replace the user key',
        );
      const usr = newUsrKey();
      const matches = passwordCheck(input.password);
      const now = deps.clock();
      const result = await decideForUser(
        caller.userId,
        async (state) => ({
          type: 'RotateUsrKey',
          data: {
            ...usr,
            reauth:
              input.password === undefined
                ? null
                : {
                    passwordValid: await matches(state),
                    secondFactor: await secondFactorFrom(state, input.totpCode, now),
                    now,
                  },
          },
        }),
        commandContext(request, caller.userId),
      );
      services.refuseFailedLogin(result.events);
      await awaitReadModels(result);
      return { usr: usr.key, position: result.position };
    },
  };
}
