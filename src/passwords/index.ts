import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import { pwnedFile, pwnedRangeApi, type BreachCheck } from './breaches.js';
import { createPasswordPolicy } from './policy.js';
import { strengthThread } from './strength.js';

/** The password policy the settings ask for: PASSWORD_MIN_SCORE, and PWNED_PASSWORDS_FILE or _URL. */
export function passwordPolicy(
  settings: Config['passwords'],
  deps: { logger: Logger; metrics: Pick<Metrics, 'passwordRefused' | 'breachCheck'>; clock: () => Date },
) {
  const observe = deps.metrics.breachCheck;
  const breaches: BreachCheck | null = settings.pwnedFile
    ? pwnedFile({ path: settings.pwnedFile, logger: deps.logger, observe })
    : settings.pwnedUrl
      ? pwnedRangeApi({
          url: settings.pwnedUrl,
          timeoutMs: settings.pwnedTimeoutMs,
          logger: deps.logger,
          observe,
          clock: deps.clock,
        })
      : null;
  return createPasswordPolicy({
    minScore: settings.minScore,
    meter: strengthThread(),
    breaches,
    minBreachCount: settings.pwnedMinCount,
    refused: deps.metrics.passwordRefused,
  });
}
