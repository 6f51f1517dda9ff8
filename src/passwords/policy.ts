import { DomainError } from '../../domain/shared/errors.js';
import type { BreachCheck } from './breaches.js';
import type { StrengthMeter } from './strength.js';

export type PasswordRefusal = 'weak' | 'breached';

/**
 * The one check every path that sets a password goes through (registration, change, reset, a first
 * password, an admin-made account's first change): strong enough by zxcvbn-ts with the account's
 * own words counted as known, then not seen in breaches when a breach check is on.
 */
export function createPasswordPolicy(deps: {
  minScore: number;
  meter: StrengthMeter;
  breaches: BreachCheck | null;
  /** A password seen at least this many times in breaches is refused. */
  minBreachCount: number;
  refused?: (reason: PasswordRefusal) => void;
}) {
  const wordsOf = (accountWords: readonly (string | null | undefined)[]) =>
    accountWords.filter((word): word is string => typeof word === 'string' && word !== '');
  const check = async (password: string, accountWords: readonly (string | null | undefined)[], path: string) => {
    const words = wordsOf(accountWords);
    const strength = await deps.meter(password, words);
    if (strength.score < deps.minScore) {
      deps.refused?.('weak');
      const warning = strength.warning ?? 'This password is too easy to guess';
      throw new DomainError('password_too_weak', warning, [
        { path, message: warning },
        ...strength.suggestions.map((message) => ({ path, message })),
      ]);
    }
    const seen = deps.breaches ? await deps.breaches.timesSeen(password) : null;
    if (seen !== null && seen >= deps.minBreachCount) {
      deps.refused?.('breached');
      const message = 'This password is known from data breaches, so attackers try it first: choose another one';
      throw new DomainError('password_breached', message, [{ path, message }]);
    }
  };
  return Object.assign(check, {
    /**
     * The strength check alone, as the registration page's meter shows it while a person types:
     * the same meter and minimum score as `check` (no breach lookup, which only the real request pays for).
     */
    strength: async (password: string, accountWords: readonly (string | null | undefined)[]) => ({
      ...(await deps.meter(password, wordsOf(accountWords))),
      minScore: deps.minScore,
    }),
  });
}

export type PasswordPolicy = ReturnType<typeof createPasswordPolicy>;
