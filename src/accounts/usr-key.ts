import { createHash, randomBytes } from 'node:crypto';
import { DomainError, refuse } from '../../domain/shared/errors.js';
import { secondFactorFrom } from './second-factor.js';
import type { Shared } from './shared.js';
import type { Caller, RequestInfo } from './types.js';

/** A legacy user key: 256 random bits, hex; found at login by its SHA-256. */
export const newUsrKey = () => {
  const key = randomBytes(32).toString('hex');
  return { key, hash: hashUsrKey(key) };
};
export const hashUsrKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

/** The legacy user key of a signed-in account: shown to a recent sign-in, replaced with a proof. */
export function usrKeyAccounts(services: Shared) {
  const { deps, users, commandContext, awaitReadModels, decideForUser, loadUser, passwordCheck } = services;

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
