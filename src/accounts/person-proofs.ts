import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { SecondFactor } from '../../domain/user/commands.js';
import type { UserState } from '../../domain/user/decider.js';
import type { PasskeyCeremonies } from './passkey-ceremonies.js';
import { secondFactorFrom } from './second-factor.js';
import type { Shared } from './shared.js';
import type { RequestInfo } from './types.js';

/** What a request may carry to prove the person before a sensitive change. */
export interface PersonProofInput {
  password?: string;
  totpCode?: string;
  /** A passkey assertion for options from `POST /auth/passkeys/authentication/options`. */
  passkey?: AuthenticationResponseJSON;
}

/** The facts a sensitive command decides on: the password (null when none was sent), the second factor, the time. */
export interface PersonProof {
  passwordValid: boolean | null;
  secondFactor: SecondFactor;
  now: Date;
}

/**
 * The facts of the proof a sensitive change asks for (the decision weighs them: `provePerson` in
 * `domain/user/security.ts`): the password and a code, or a passkey. The passkey's assertion is
 * checked once, before the command; the command compares its counter and its user verification.
 */
export function personProofs(services: Shared & Pick<PasskeyCeremonies, 'verifyPasskeyAssertion'>) {
  return {
    async proofOf(
      userId: string,
      input: PersonProofInput,
      request: RequestInfo,
    ): Promise<(state: UserState) => Promise<PersonProof>> {
      const now = services.deps.clock();
      const matches = services.passwordCheck(input.password);
      const passwordValid = async (state: UserState) => (input.password === undefined ? null : await matches(state));
      // A passkey alone (with user verification) or with the password as its second factor: the decision says which.
      if (input.passkey) {
        const { assertion } = await services.verifyPasskeyAssertion(input.passkey, request, userId);
        return async (state) => ({
          passwordValid: await passwordValid(state),
          secondFactor: { kind: 'passkey', ...assertion },
          now,
        });
      }
      return async (state) => ({
        passwordValid: await passwordValid(state),
        secondFactor: await secondFactorFrom(state, input.totpCode, now),
        now,
      });
    },
  };
}
