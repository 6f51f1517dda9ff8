import { DomainError, refuse } from '../../domain/shared/errors.js';
import { emailKey } from '../../projections/lookups.js';
import type { AccountServices } from './services.js';

export const wrongCode = () => new DomainError('invalid_credentials', 'The code is wrong');
export const stale = () => new DomainError('challenge_used', 'This code or link is no longer valid; ask for a new one');
/** The request a worker's command is recorded under. */
export const SYSTEM = { requestId: 'worker', ip: null, userAgent: null };

/** What the mailbox flows share: the account an address belongs to, and the per-address budgets. */
export function mailboxChecks(services: AccountServices) {
  const { deps } = services;
  const accountByEmail = async (email: string) =>
    ((await services.lookups().findOne({ _id: emailKey(email) }))?.userId as string | undefined) ?? null;

  /** Refuses with 429 while a key has used up its budget. */
  const refuseIfSpent = async (bucket: 'issue' | 'failures', key: string) => {
    const decision = await deps.limits[bucket].check(key);
    if (!decision.allowed)
      refuse(
        'rate_limited',
        'Too many codes or wrong answers for this address or account; wait a while',
        undefined,
        decision.retryAfterSeconds,
      );
  };

  return { accountByEmail, refuseIfSpent };
}
