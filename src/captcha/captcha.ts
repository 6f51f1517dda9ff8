import type { Logger } from 'pino';
import { DomainError } from '../../domain/shared/errors.js';
import { PROVIDERS, type CaptchaProvider } from './providers.js';

export interface CaptchaSettings {
  provider: CaptchaProvider;
  secret: string;
  siteKey: string;
  verifyUrl: string;
  scriptUrl: string;
  /** A password sign-in for a name or address with this many recent failures needs one (0: always). */
  afterFailures: number;
  /** When the provider does not answer in time, let sign-ins through (registration always stays closed). */
  failOpenSignIn: boolean;
}

/** What a check came to: passed, missing (no token), invalid (the provider said no), unavailable (it did not answer). */
export type CaptchaOutcome = 'passed' | 'missing' | 'invalid' | 'unavailable';

/** What a CAPTCHA guards: making an account, asking for a mail, or a sign-in under attack. */
export type CaptchaGate = 'registration' | 'request' | 'signin';

/** A provider that has not answered in 3 s has failed this check. */
const TIMEOUT_MS = 3000;

/**
 * The CAPTCHA check, server-side: the token a client got from the provider's widget goes to the
 * provider's verify endpoint with the secret and the client's address; only `success: true`
 * passes. Each refusal is 400 `captcha_required` or `captcha_invalid`.
 */
export function createCaptcha(
  settings: CaptchaSettings,
  deps: { logger: Logger; observe: (outcome: CaptchaOutcome) => void },
) {
  const verify = async (token: string, ip: string | null): Promise<'passed' | 'invalid' | 'unavailable'> => {
    const form = new URLSearchParams({ secret: settings.secret, response: token });
    if (ip) form.set('remoteip', ip);
    if (settings.provider === 'hcaptcha') form.set('sitekey', settings.siteKey);
    try {
      const response = await fetch(settings.verifyUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`the verify endpoint answered HTTP ${response.status}`);
      const answer = (await response.json()) as { success?: unknown };
      return answer.success === true ? 'passed' : 'invalid';
    } catch (error) {
      deps.logger.warn(
        {
          provider: settings.provider,
          reason: error instanceof Error ? (error.name === 'TimeoutError' ? 'timeout' : error.message) : 'unknown',
        },
        'CAPTCHA provider did not answer usably',
      );
      return 'unavailable';
    }
  };

  return {
    provider: settings.provider,
    siteKey: settings.siteKey,
    scriptUrl: settings.scriptUrl,
    widgetClass: PROVIDERS[settings.provider].widgetClass,
    afterFailures: settings.afterFailures,
    /** The origins a page that shows the widget must allow (its script's, and the provider's). */
    origins: [...new Set([new URL(settings.scriptUrl).origin, ...PROVIDERS[settings.provider].origins])],

    /** Passes, or refuses 400 `captcha_required` / `captcha_invalid`. */
    async require(gate: CaptchaGate, token: string | null | undefined, ip: string | null): Promise<void> {
      if (!token) {
        deps.observe('missing');
        throw new DomainError('captcha_required', 'Solve the CAPTCHA and send its token as captcha_token', [
          { path: 'captcha_token', message: 'required' },
        ]);
      }
      const outcome = await verify(token, ip);
      deps.observe(outcome);
      if (outcome === 'passed') return;
      if (outcome === 'unavailable' && gate === 'signin' && settings.failOpenSignIn) return;
      throw new DomainError(
        'captcha_invalid',
        outcome === 'unavailable'
          ? 'The CAPTCHA could not be checked right now: try again'
          : 'The CAPTCHA was not solved, or its token was already used: solve it again',
        [{ path: 'captcha_token', message: 'not accepted' }],
      );
    },
  };
}

export type Captcha = ReturnType<typeof createCaptcha>;
