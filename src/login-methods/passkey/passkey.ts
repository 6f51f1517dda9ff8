import { randomBytes, randomUUID } from 'node:crypto';
import {
  generateRegistrationOptions,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { refuse } from '../../../domain/shared/errors.js';
import { PASSKEY, passkeyOf } from '../../../domain/user/passkey-use.js';
import { normalizeEmail } from '../../../domain/user/rules.js';
import { usernameKey } from '../../../projections/lookups.js';
import type { PersonProofInput } from '../../accounts/person-proofs.js';
import { inviteIdOf } from '../../accounts/registration.js';
import type { AccountServices } from '../../accounts/services.js';
import { signInPath } from '../../accounts/sign-in.js';
import { stepUp } from '../../accounts/step-up.js';
import type { Caller, RequestInfo } from '../../accounts/types.js';
import type { NewPasskey } from '../../../domain/user/commands.js';

const DEFAULT_NAME = 'Passkey';

/**
 * Passkeys as a way in: adding one to an account, signing up with one (no password), signing in
 * with one (no username typed), and managing them. Their use as a second factor and as the proof
 * of a sensitive change goes through the account services (`verifyPasskeyAssertion`, `proofOf`).
 */
export function passkeyAccounts(services: AccountServices) {
  const { deps, commandContext, decideForUser, awaitReadModels, loadUser } = services;
  const signIn = signInPath(services);
  const stepUpRule = stepUp(services);
  const rp = () => services.relyingParty();

  /** Creation options: resident key and user verification preferred, attestation `none`, the account's passkeys excluded. */
  const creationOptions = (
    challenge: Uint8Array<ArrayBuffer>,
    timeout: number,
    user: { name: string; handle: string },
    exclude: string[],
  ) =>
    generateRegistrationOptions({
      rpName: rp().name,
      rpID: rp().id,
      userName: user.name,
      userID: new Uint8Array(Buffer.from(user.handle, 'base64url')),
      challenge,
      timeout,
      attestationType: 'none',
      excludeCredentials: exclude.map((id) => ({ id })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });

  /** Checks a creation answer for its options and claims its credential id for the account. */
  const newPasskey = async (
    response: RegistrationResponseJSON,
    issued: Awaited<ReturnType<typeof services.spendPasskeyChallenge>>,
    name: string | undefined,
    request: RequestInfo,
  ): Promise<NewPasskey> => {
    const verified = await services.verifyPasskeyAttestation(response, issued);
    const claim = await services.claimIdentity(
      PASSKEY,
      verified.credentialId,
      issued.userId,
      commandContext(request, issued.userId),
    );
    return { ...verified, claim, name: name ?? DEFAULT_NAME, userHandle: issued.userHandle! };
  };

  const passkeyView = async (userId: string, credentialId: string) => {
    const passkey = (await services.userObject(userId)).passkeys.find((p) => p.id === credentialId);
    return passkey ?? refuse('not_found', 'No such passkey on this account');
  };

  return {
    /** POST /auth/passkeys/registration/options: creation options for the signed-in account. */
    async passkeyRegistrationOptions(caller: Caller, request: RequestInfo) {
      const state = await loadUser(caller.userId);
      // Random per account, never its id or name: a passkey tells an authenticator nothing about the account.
      const handle = state.passkeyUserHandle ?? randomBytes(32).toString('base64url');
      const { challenge, timeout } = await services.newPasskeyChallenge(
        'add',
        { userId: caller.userId, userHandle: handle },
        request,
      );
      const name = state.username ?? 'account';
      return creationOptions(challenge, timeout, { name, handle }, [...state.passkeys.keys()]);
    },

    /** POST /auth/passkeys/registration: the new passkey joins the account (201 the passkey). */
    async addPasskey(
      caller: Caller,
      input: { response: RegistrationResponseJSON; name?: string } & PersonProofInput,
      request: RequestInfo,
    ) {
      const proven = input.password !== undefined || input.passkey !== undefined || input.totpCode !== undefined;
      // An account with no password and no passkey has its session to show: a recent one (the step-up rule).
      if (!proven && !stepUpRule.recentlyProved(caller))
        await stepUpRule.reauthRequired(
          caller,
          'Adding a passkey needs a recent proof that it is you (POST /auth/reauth)',
        );
      const issued = await services.spendPasskeyChallenge(input.response.response.clientDataJSON, 'add', request);
      if (issued.userId !== caller.userId) refuse('invalid_credentials', 'These options were made for another account');
      const proof = await services.proofOf(caller.userId, input, request);
      const passkey = await newPasskey(input.response, issued, input.name, request);
      const ctx = commandContext(request, caller.userId);
      // The claim is given back only when the passkey did not join the account (never when it is linked).
      const giveBack = async () => {
        if (!passkeyOf(await loadUser(caller.userId), passkey.credentialId))
          await services.releaseAll([passkey.claim], caller.userId, ctx);
      };
      const result = await decideForUser(
        caller.userId,
        async (state) => ({ type: 'AddPasskey', data: { passkey, reauth: await proof(state) } }),
        ctx,
      ).catch(async (error: unknown) => {
        await giveBack();
        throw error;
      });
      if (!result.events.some((event) => event.type === 'PasskeyAdded')) await giveBack();
      services.refuseFailedLogin(result.events);
      await awaitReadModels(result);
      return { passkey: await passkeyView(caller.userId, passkey.credentialId), position: result.position };
    },

    /** POST /auth/passkeys/sign-up/options: creation options for a new account with this name (and address). */
    async passkeySignUpOptions(
      input: { username: string; email?: string | null; referrerToken?: string },
      request: RequestInfo,
    ) {
      const inviteId = input.referrerToken ? inviteIdOf(input.referrerToken) : undefined;
      // Said now rather than after the person has touched their authenticator; decided again at sign-up.
      if (await services.isSetUp()) services.refuseByRegistrationMode(inviteId !== undefined);
      if (await services.lookups().findOne({ _id: usernameKey(input.username) }))
        refuse('username_taken', 'This username is taken');
      const handle = randomBytes(32).toString('base64url');
      const { challenge, timeout } = await services.newPasskeyChallenge(
        'sign-up',
        {
          userId: randomUUID(),
          userHandle: handle,
          username: input.username,
          email: input.email ? normalizeEmail(input.email) : null,
          ...(inviteId ? { inviteId } : {}),
        },
        request,
      );
      return creationOptions(challenge, timeout, { name: input.username, handle }, []);
    },

    /** POST /auth/passkeys/sign-up: the account is made with the passkey and no password (201 the token). */
    async passkeySignUp(input: { response: RegistrationResponseJSON; name?: string }, request: RequestInfo) {
      // The CAPTCHA before the challenge and the new passkey are spent: a missing one costs no ceremony.
      await services.requireCaptcha('registration', request);
      request = { ...request, captchaPassed: true };
      const issued = await services.spendPasskeyChallenge(input.response.response.clientDataJSON, 'sign-up', request);
      const passkey = await newPasskey(input.response, issued, input.name, request);
      try {
        return await services.registerAccount(
          {
            userId: issued.userId,
            username: issued.username!,
            passwordHash: null,
            email: issued.email,
            displayName: null,
            method: 'passkey',
            passkey,
            ...(issued.inviteId ? { invite: { inviteId: issued.inviteId } } : {}),
          },
          request,
        );
      } catch (error) {
        // Given back only when the account was not made with it.
        if (!passkeyOf(await loadUser(issued.userId), passkey.credentialId))
          await services.releaseAll([passkey.claim], issued.userId, commandContext(request, issued.userId));
        throw error;
      }
    },

    /** POST /auth/passkeys/authentication/options: request options with an empty allow list (no username typed). */
    passkeyAuthenticationOptions: (request: RequestInfo) => services.passkeyAssertionOptions(request),

    /** POST /auth/passkeys/authentication: the passkey signs in (with user verification, as both factors). */
    async loginWithPasskey(input: { response: AuthenticationResponseJSON; totpCode?: string }, request: RequestInfo) {
      const { userId, assertion } = await services.verifyPasskeyAssertion(input.response, request);
      return signIn(
        userId,
        { method: 'passkey', firstFactor: () => true, passkey: assertion, totpCode: input.totpCode },
        request,
      );
    },

    /** GET /auth/passkeys */
    async listPasskeys(caller: Caller) {
      return (await services.userObject(caller.userId)).passkeys;
    },

    /** PATCH /auth/passkeys/{id} */
    async renamePasskey(caller: Caller, credentialId: string, name: string, request: RequestInfo) {
      const result = await decideForUser(
        caller.userId,
        () => ({ type: 'RenamePasskey', data: { credentialId, name } }),
        commandContext(request, caller.userId),
      );
      await awaitReadModels(result);
      return { passkey: await passkeyView(caller.userId, credentialId), position: result.position };
    },

    /** DELETE /auth/passkeys/{id}: with the proof of a sensitive change; 409 when it is the last way in. */
    async removePasskey(caller: Caller, credentialId: string, input: PersonProofInput, request: RequestInfo) {
      const proof = await services.proofOf(caller.userId, input, request);
      const ctx = commandContext(request, caller.userId);
      const result = await decideForUser(
        caller.userId,
        async (state) => {
          if (!passkeyOf(state, credentialId)) refuse('not_found', 'No such passkey on this account');
          return {
            type: 'RemovePasskey',
            data: { credentialId, usrLoginAllowed: deps.settings.allowUsrLogin, reauth: await proof(state) },
          };
        },
        ctx,
      );
      services.refuseFailedLogin(result.events);
      const unlinked = result.events.find((event) => event.type === 'IdentityUnlinked');
      if (unlinked?.type === 'IdentityUnlinked') await services.releaseAll([unlinked.data.claim], caller.userId, ctx);
      await awaitReadModels(result);
      return { user: await services.userObject(caller.userId), position: result.position };
    },
  };
}

export type PasskeyUseCases = ReturnType<typeof passkeyAccounts>;
