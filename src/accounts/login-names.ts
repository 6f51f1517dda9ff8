import { refuse } from '../../domain/shared/errors.js';
import { normalizeEmail, normalizeUsername } from '../../domain/user/rules.js';
import { emailKey, usernameKey } from '../../projections/lookups.js';
import type { Shared } from './shared.js';

/** A login name (a username, or an address when it has an @) to its account: password login and two-factor recovery. */
export function loginNames(services: Shared) {
  const { deps, lookups } = services;

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

  return { findAccount, refuseUnknown };
}
