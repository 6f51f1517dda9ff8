import type { CaptchaSettings } from './captcha.js';
import { PROVIDERS, type CaptchaProvider } from './providers.js';

/**
 * CAPTCHA_PROVIDER (turnstile | hcaptcha | recaptcha) with CAPTCHA_SECRET and CAPTCHA_SITE_KEY
 * turns the CAPTCHA on; CAPTCHA_VERIFY_URL and CAPTCHA_SCRIPT_URL point at another compatible
 * endpoint and widget script (a self-hosted proxy, a test stand-in); CAPTCHA_AFTER_FAILURES
 * (default 3, 0 = always) and CAPTCHA_FAIL_OPEN_SIGNIN (default false) shape the sign-in gate.
 */
export function captchaConfig(env: Record<string, string | undefined>): {
  captcha: CaptchaSettings | null;
  problems: string[];
} {
  const provider = env.CAPTCHA_PROVIDER;
  if (!provider) return { captcha: null, problems: [] };
  const problems: string[] = [];
  if (!Object.hasOwn(PROVIDERS, provider)) problems.push('CAPTCHA_PROVIDER: must be turnstile, hcaptcha or recaptcha');
  if (!env.CAPTCHA_SECRET) problems.push('CAPTCHA_SECRET: needed with CAPTCHA_PROVIDER');
  if (!env.CAPTCHA_SITE_KEY) problems.push('CAPTCHA_SITE_KEY: needed with CAPTCHA_PROVIDER');
  for (const name of ['CAPTCHA_VERIFY_URL', 'CAPTCHA_SCRIPT_URL'] as const) {
    const value = env[name];
    if (value && !(URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)))
      problems.push(`${name}: must be an absolute http(s) URL`);
  }
  const after = env.CAPTCHA_AFTER_FAILURES ?? '3';
  if (!/^\d{1,3}$/.test(after)) problems.push('CAPTCHA_AFTER_FAILURES: must be a whole number from 0 to 999');
  const failOpen = env.CAPTCHA_FAIL_OPEN_SIGNIN ?? 'false';
  if (!['true', 'false', '1', '0', 'yes', 'no'].includes(failOpen))
    problems.push('CAPTCHA_FAIL_OPEN_SIGNIN: must be true or false');
  if (problems.length) return { captcha: null, problems };
  const facts = PROVIDERS[provider as CaptchaProvider];
  return {
    captcha: {
      provider: provider as CaptchaProvider,
      secret: env.CAPTCHA_SECRET!,
      siteKey: env.CAPTCHA_SITE_KEY!,
      verifyUrl: env.CAPTCHA_VERIFY_URL ?? facts.verifyUrl,
      scriptUrl: env.CAPTCHA_SCRIPT_URL ?? facts.scriptUrl,
      afterFailures: Number(after),
      failOpenSignIn: ['true', '1', 'yes'].includes(failOpen),
    },
    problems: [],
  };
}
