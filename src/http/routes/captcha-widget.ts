import { escapeHtml, type PageContent } from '../page.js';

/** What a page needs to show the configured CAPTCHA provider's widget (null: no CAPTCHA). */
export interface CaptchaWidget {
  siteKey: string;
  scriptUrl: string;
  widgetClass: string;
  origins: readonly string[];
}

/**
 * The widget's panel, hidden until an answer asks for a CAPTCHA (or a sign-up is about to start).
 * The provider's script turns the box into its widget and calls `captchaSolved` with the token.
 */
export const captchaPanel = (widget: CaptchaWidget | null): string =>
  widget
    ? `<section id="captcha-panel" hidden>
<h2>One more step</h2>
<p>Show that you are a person; then what you asked for goes on by itself.</p>
<div id="captcha-box" class="${escapeHtml(widget.widgetClass)}" data-sitekey="${escapeHtml(widget.siteKey)}" data-callback="captchaSolved"></div>
</section>`
    : '';

/** The page's `captcha` option for sendPage: the provider's script and origins. */
export const captchaAsset = (widget: CaptchaWidget | null): Pick<PageContent, 'captcha'> =>
  widget ? { captcha: { scriptUrl: widget.scriptUrl, origins: widget.origins } } : {};

/**
 * Shared by every page that sends a request a CAPTCHA may guard. `withCaptcha(body)` adds the
 * solved token once (tokens are single use); `askCaptcha(again)` shows the widget when an answer
 * is `captcha_required` or `captcha_invalid`, and runs `again` once it is solved. On a page
 * without the panel (no CAPTCHA configured) both do nothing.
 */
export const CAPTCHA_SCRIPT = String.raw`
const captcha = { token: '', pending: null };
window.captchaSolved = (token) => {
  captcha.token = token;
  const panel = document.getElementById('captcha-panel');
  if (panel) panel.hidden = true;
  const next = captcha.pending;
  captcha.pending = null;
  if (next) next();
};
const captchaOn = () => document.getElementById('captcha-panel') !== null;
const withCaptcha = (body) => {
  if (!captcha.token) return body;
  const token = captcha.token;
  captcha.token = '';
  return { ...body, captcha_token: token };
};
const askCaptcha = (again) => {
  const panel = document.getElementById('captcha-panel');
  if (!panel) return false;
  captcha.pending = again;
  panel.hidden = false;
  // A used token cannot be used again: each provider's widget starts over.
  for (const provider of [window.turnstile, window.hcaptcha, window.grecaptcha]) {
    try { if (provider && provider.reset) provider.reset(); } catch { /* not rendered yet */ }
  }
  panel.scrollIntoView({ block: 'center' });
  return true;
};
const isCaptchaAnswer = (answer) => answer && (answer.code === 'captcha_required' || answer.code === 'captcha_invalid');
`;
