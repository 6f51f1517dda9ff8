import type { Messages } from '../../messages/index.js';
import { escapeHtml } from '../../page.js';
import { signedInBlock, withRedirect } from '../shared.js';

export interface RegisterView {
  service: string;
  registration: 'open' | 'invite' | 'closed';
  /** The invite code from `?invite=`, prefilled. */
  invite: string;
  /** Where to go once signed up (allowed as /login allows it), or null. */
  redirect: string | null;
  redirectRefused: boolean;
  captcha: string;
}

const closedBody = (m: Messages, view: RegisterView) => `<main id="register" class="narrow" data-api="/api/v1">
<h1>${escapeHtml(m.register.heading(view.service))}</h1>
<p id="registration-closed" class="notice">${escapeHtml(m.register.closed)}</p>
<p>${escapeHtml(m.register.haveAccount)} <a id="sign-in-link" href="${escapeHtml(withRedirect('/login', view.redirect))}">${escapeHtml(m.register.signIn)}</a></p>
</main>`;

/**
 * The sign-up form: username, an optional address, the password with the service's own strength
 * meter under it, and the invite field when registration needs one (or a link brought a code).
 */
export function registerBody(m: Messages, view: RegisterView): string {
  if (view.registration === 'closed') return closedBody(m, view);
  const t = m.register;
  const invite = view.registration === 'invite' || view.invite !== '';
  return `<main id="register" class="narrow" data-api="/api/v1"${view.redirect ? ` data-redirect="${escapeHtml(view.redirect)}"` : ''}>
<h1>${escapeHtml(t.heading(view.service))}</h1>${view.redirectRefused ? `\n<p id="redirect-refused" class="error" role="alert">${escapeHtml(m.common.redirectRefused)}</p>` : ''}
<noscript><p class="notice">${escapeHtml(m.common.needsScript)}</p></noscript>
${view.registration === 'invite' ? `<p id="invite-only" class="hint">${escapeHtml(t.inviteOnly)}</p>\n` : ''}${signedInBlock(m.common)}
<p id="verify-email" hidden><a href="/verify-email">${escapeHtml(t.script.verifyEmail)}</a></p>
<section id="register-panel">
<form id="register-form">
<label for="username">${escapeHtml(t.usernameLabel)}</label>
<input id="username" name="username" autocomplete="username" required minlength="3" maxlength="32" pattern="[A-Za-z0-9_.\\-]+" aria-describedby="username-hint">
<p id="username-hint" class="hint">${escapeHtml(t.usernameHint)}</p>
<label for="email">${escapeHtml(t.emailLabel)}</label>
<input id="email" name="email" type="email" autocomplete="email" maxlength="254" aria-describedby="email-hint">
<p id="email-hint" class="hint">${escapeHtml(t.emailHint)}</p>
<label for="password">${escapeHtml(t.passwordLabel)}</label>
<input id="password" name="password" type="password" autocomplete="new-password" required maxlength="128" aria-describedby="password-hint strength-text">
<p id="password-hint" class="hint">${escapeHtml(t.passwordHint)}</p>
<label for="strength-meter">${escapeHtml(t.strengthLabel)}</label>
<meter id="strength-meter" min="0" max="4" low="2" high="3" optimum="4" value="0"></meter>
<p id="strength-text" class="hint" aria-live="polite"></p>${
    invite
      ? `\n<label for="invite">${escapeHtml(t.inviteLabel)}</label>
<input id="invite" name="invite" autocomplete="off" maxlength="128" value="${escapeHtml(view.invite)}"${view.registration === 'invite' ? ' required' : ''}>`
      : ''
  }
<button id="register-submit" type="submit">${escapeHtml(t.submit)}</button>
<p id="register-error" class="error" role="alert" hidden></p>
</form>
</section>
<p id="have-account">${escapeHtml(t.haveAccount)} <a id="sign-in-link" href="${escapeHtml(withRedirect('/login', view.redirect))}">${escapeHtml(t.signIn)}</a></p>
${view.captcha}
</main>`;
}
