import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { normalizeEmail } from '../../../domain/user/rules.js';
import { loginNames } from '../../accounts/login-names.js';
import { deviceOf } from '../../accounts/device-tokens.js';
import { inviteIdOf } from '../../accounts/registration.js';
import type { AccountServices } from '../../accounts/services.js';
import { signInPath } from '../../accounts/sign-in.js';
import type { RequestInfo } from '../../accounts/types.js';

/** The password: registration with one, and login by username or email. */
export function passwordAccounts(services: AccountServices) {
  const { deps, requireStrongPassword, passwordCheck } = services;
  const { findAccount, refuseUnknown } = loginNames(services);
  const signIn = signInPath(services);

  return {
    async register(
      input: {
        username: string;
        password: string;
        email?: string | null;
        displayName?: string | null;
        firstName?: string | null;
        lastName?: string | null;
        referrerToken?: string;
      },
      request: RequestInfo,
    ) {
      // The CAPTCHA first: no password check, breach lookup or bcrypt work for a bot.
      await services.requireCaptcha('registration', request);
      request = { ...request, captchaPassed: true };
      await requireStrongPassword(
        input.password,
        [input.username, input.email, input.displayName, input.firstName, input.lastName],
        'password',
      );
      const invite = input.referrerToken ? { inviteId: inviteIdOf(input.referrerToken) } : undefined;
      const passwordHash = await deps.hasher.hash(input.password);
      const made = await services.registerAccount(
        {
          username: input.username,
          passwordHash,
          email: input.email ? normalizeEmail(input.email) : null,
          displayName: input.displayName ?? null,
          ...(invite ? { invite } : {}),
          ...(input.firstName || input.lastName
            ? { names: { firstName: input.firstName ?? null, lastName: input.lastName ?? null } }
            : {}),
        },
        request,
      );
      return made;
    },
    /** With 2FA on, the second factor is a code (`totpCode`) or a passkey of the account (`passkey`). */
    async login(input: LoginInput, request: RequestInfo) {
      const failures = await services.passwordSignInGate(input.username, request);
      return attempt(input, request).catch(failures);
    },
  };

  async function attempt(input: LoginInput, request: RequestInfo) {
    const userId = await findAccount(input.username);
    if (!userId) return refuseUnknown(input.username, input.password);
    // Any refusal of the passkey (an old challenge too) is a wrong second factor, weighed after
    // the password like a wrong code: the answer never tells a known name from an unknown one.
    const passkey = input.passkey
      ? await services.verifyPasskeyAssertion(input.passkey, request, userId).then(
          (verified) => verified.assertion,
          () => ({ credentialId: '', valid: false, counter: 0, backedUp: false, userVerified: false }),
        )
      : undefined;
    return signIn(
      userId,
      {
        method: 'password',
        firstFactor: passwordCheck(input.password),
        totpCode: input.totpCode,
        ...(passkey ? { secondFactorPasskey: passkey } : {}),
        ...(deviceOf(input.deviceToken) ? { trustedDevice: deviceOf(input.deviceToken)! } : {}),
        ...(input.rememberDevice ? { rememberDevice: true } : {}),
      },
      request,
    );
  }
}

type LoginInput = {
  username: string;
  password: string;
  totpCode?: string;
  passkey?: AuthenticationResponseJSON;
  /** A trusted device's token (`device_token`, or its cookie): it skips the second factor. */
  deviceToken?: string;
  rememberDevice?: boolean;
};
