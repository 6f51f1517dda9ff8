import { normalizeEmail, normalizeUsername } from '../../domain/user/rules.js';
import type { PersonProofInput } from './person-proofs.js';
import type { AccountServices } from './services.js';
import type { Caller, RequestInfo } from './types.js';

/** The profile: names, display name, the address (with the password), the username. */
export function profileAccounts(services: AccountServices) {
  const { deps, commandContext, awaitReadModels, decideForUser } = services;

  return {
    async updateProfile(
      caller: Caller,
      input: {
        displayName?: string | null;
        firstName?: string | null;
        lastName?: string | null;
        email?: string | null;
        password?: string;
        totpCode?: string;
        passkey?: PersonProofInput['passkey'];
      },
      request: RequestInfo,
    ) {
      const ctx = commandContext(request, caller.userId);
      const email = input.email === undefined ? undefined : input.email === null ? null : normalizeEmail(input.email);
      // The proof is asked for only when the address moves; a passkey's challenge is spent only then.
      const proof =
        email !== undefined
          ? await services.proofOf(
              caller.userId,
              { password: input.password, totpCode: input.totpCode, passkey: input.passkey },
              request,
            )
          : null;
      // A claim this request took but did not use is not released here: a parallel request of the
      // same account may be using it. Unused, it is free for others after the grace period.
      const emailClaim = email ? await deps.claims.claim('email', email, caller.userId, ctx) : null;
      const result = await decideForUser(
        caller.userId,
        async (state) => ({
          type: 'UpdateProfile',
          data: {
            ...(input.displayName !== undefined ? { displayName: input.displayName } : {}),
            ...(input.firstName !== undefined || input.lastName !== undefined
              ? { names: { firstName: input.firstName, lastName: input.lastName } }
              : {}),
            ...(email !== undefined ? { email: email && emailClaim ? { value: email, claim: emailClaim } : null } : {}),
            ...(proof ? { reauth: await proof(state) } : {}),
          },
        }),
        ctx,
      );
      services.refuseFailedLogin(result.events);
      const changed = result.events.find((e) => e.type === 'EmailChanged');
      // The mailed code's otp_session, answered to the caller (the session that just proved itself),
      // so that the code of this very mail confirms the address: no second code is needed.
      let otpSession: string | null = null;
      if (changed?.type === 'EmailChanged') {
        await services.releaseAll([changed.data.previousEmailClaim], caller.userId, ctx);
        if (changed.data.email && changed.data.emailClaim)
          otpSession = await services.sendEmailVerification(
            caller.userId,
            changed.data.email,
            changed.data.emailClaim,
            ctx,
          );
      } else if (email && !result.state.emailVerified && result.state.emailClaim === emailClaim) {
        // The same, still unverified address sent again (say, after a 503): send the code again.
        otpSession = await services.sendEmailVerification(caller.userId, email, emailClaim!, ctx);
      }
      await awaitReadModels(result);
      return { user: await services.userObject(caller.userId), otpSession, position: result.position };
    },
    async changeUsername(
      caller: Caller,
      input: { newUsername: string; password?: string; totpCode?: string; passkey?: PersonProofInput['passkey'] },
      request: RequestInfo,
    ) {
      const ctx = commandContext(request, caller.userId);
      // As for emails: a claim taken but not used is left to the grace period, never released here.
      const claim = await deps.claims.claim('username', normalizeUsername(input.newUsername), caller.userId, ctx);
      const proof = await services.proofOf(caller.userId, input, request);
      const result = await decideForUser(
        caller.userId,
        async (state) => {
          const { passwordValid, secondFactor, now } = await proof(state);
          return {
            type: 'ChangeUsername',
            data: {
              username: input.newUsername,
              usernameClaim: claim,
              passwordValid,
              secondFactor,
              now,
            },
          };
        },
        ctx,
      );
      services.refuseFailedLogin(result.events);
      const changed = result.events[0];
      if (changed?.type === 'UsernameChanged' && changed.data.previousUsernameClaim !== claim) {
        await services.releaseAll([changed.data.previousUsernameClaim], caller.userId, ctx);
      }
      await awaitReadModels(result);
      return { user: await services.userObject(caller.userId), position: result.position };
    },
  };
}
