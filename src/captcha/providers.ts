/** The CAPTCHA providers the service speaks to, and what each one's page widget needs. */
export type CaptchaProvider = 'turnstile' | 'hcaptcha' | 'recaptcha';

export interface ProviderFacts {
  /** Where the token is checked (POST, form-encoded `secret`, `response`, `remoteip`; JSON `{success}` back). */
  verifyUrl: string;
  /** The widget's script. */
  scriptUrl: string;
  /** The element class the script turns into a widget (`data-sitekey`, `data-callback` on it). */
  widgetClass: string;
  /** Origins the widget loads from besides its script's (scripts, frames, styles, requests). */
  origins: string[];
}

export const PROVIDERS: Record<CaptchaProvider, ProviderFacts> = {
  turnstile: {
    verifyUrl: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
    scriptUrl: 'https://challenges.cloudflare.com/turnstile/v0/api.js',
    widgetClass: 'cf-turnstile',
    origins: ['https://challenges.cloudflare.com'],
  },
  hcaptcha: {
    verifyUrl: 'https://api.hcaptcha.com/siteverify',
    scriptUrl: 'https://js.hcaptcha.com/1/api.js',
    widgetClass: 'h-captcha',
    origins: ['https://hcaptcha.com', 'https://*.hcaptcha.com'],
  },
  recaptcha: {
    verifyUrl: 'https://www.google.com/recaptcha/api/siteverify',
    scriptUrl: 'https://www.google.com/recaptcha/api.js',
    widgetClass: 'g-recaptcha',
    origins: ['https://www.google.com', 'https://www.gstatic.com'],
  },
};
