import { refuse } from '../../../domain/shared/errors.js';
import { normalizeEmail, normalizeUsername } from '../../../domain/user/rules.js';
import { emailKey, usernameKey } from '../../../projections/lookups.js';
import { inviteIdOf } from '../../accounts/registration.js';
import type { AccountServices } from '../../accounts/services.js';
import { signInPath } from '../../accounts/sign-in.js';
import type { RequestInfo } from '../../accounts/types.js';

/** The password: registration with one, and login by username or email. */
export function passwordAccounts(services: AccountServices) {
  const { deps, lookups, requireStrongPassword, passwordCheck } = services;
  const signIn = signInPath(services);

  /**
   * A failed login for a name without an account spends the same bcrypt time, and locks the
   * same way (5 in 15 minutes), so neither the answer nor its timing tells the two apart.
   */
  const refuseUnknown = async (login: string, password: string): Promise<never> => {
    await deps.hasher.verify(password, null);
    const key = login.includes('@')
      ? deps.claims.streamOf('email', normalizeEmail(login))
      : deps.claims.streamOf('username', normalizeUsername(login));
    const decision = await deps.limits.unknownLogin.consume(key);
    if (!decision.allowed)
      refuse(
        'account_locked',
        'Too many failed logins; the account is locked for a while',
        undefined,
        decision.retryAfterSeconds,
      );
    return refuse('invalid_credentials', 'Invalid username or password');
  };

  /** The account a login name points to: an email when it has an @, else a username. */
  const findAccount = async (login: string) => {
    const key = login.includes('@') ? emailKey(login) : usernameKey(login);
    return ((await lookups().findOne({ _id: key }))?.userId as string | undefined) ?? null;
  };

  return {
    findAccount,
    refuseUnknown,
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
      requireStrongPassword(input.password, input.username, 'password');
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
    async login(input: { username: string; password: string; totpCode?: string }, request: RequestInfo) {
      const userId = await findAccount(input.username);
      if (!userId) return refuseUnknown(input.username, input.password);
      return signIn(
        userId,
        { method: 'password', firstFactor: passwordCheck(input.password), totpCode: input.totpCode },
        request,
      );
    },
  };
}
