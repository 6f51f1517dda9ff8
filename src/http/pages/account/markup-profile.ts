import { button, field, section, status, text, type AccountTexts } from './markup-parts.js';

/** Profile names, the email address (changed and confirmed again), and the password. */
export const profileSections = (t: AccountTexts) =>
  section(
    'profile',
    t.profile,
    `<form id="profile-form">
${field('display-name', t.displayName, ' maxlength="100" autocomplete="nickname"')}
${field('first-name', t.firstName, ' maxlength="100" autocomplete="given-name"')}
${field('last-name', t.lastName, ' maxlength="100" autocomplete="family-name"')}
${button('profile-submit', t.saveProfile)}
${status('profile-status')}
</form>
<form id="email-form">
${field('email', t.email, ' type="email" maxlength="254" autocomplete="email" required', t.emailHint)}
<p id="email-state" class="hint"></p>
${field('email-password', t.currentPassword, ' type="password" autocomplete="current-password"')}
${field('email-totp', t.twoFactorCode, ' inputmode="numeric" autocomplete="one-time-code"')}
${button('email-submit', t.changeEmail)}
${status('email-status')}
</form>
<div id="email-verify" hidden>
${button('email-send-code', t.sendCode, 'button', ' class="secondary"')}
<form id="email-verify-form" hidden>
${field('email-code', t.verifyCode, ' inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required')}
${button('email-verify-submit', t.confirmEmail)}
</form>
${status('email-verify-status')}
</div>`,
  ) +
  section(
    'password',
    t.password,
    `<form id="password-form">
${field('old-password', t.currentPassword, ' type="password" autocomplete="current-password" required')}
${field('new-password', t.newPassword, ' type="password" autocomplete="new-password" minlength="8" maxlength="128" required', t.newPasswordHint)}
${field('password-totp', t.twoFactorCode, ' inputmode="numeric" autocomplete="one-time-code"')}
<p class="check"><input id="revoke-credentials" type="checkbox"> <label for="revoke-credentials">${text(t.revokeCredentials)}</label></p>
${button('password-submit', t.changePassword)}
</form>
<form id="initial-password-form" hidden>
${field('initial-password', t.newPassword, ' type="password" autocomplete="new-password" minlength="8" maxlength="128" required', t.initialPasswordHint)}
${button('initial-password-submit', t.setPassword)}
</form>
${status('password-status')}`,
  ) +
  section(
    'two-factor',
    t.twoFactor,
    `<p>${text(t.totpIntro)}</p>
<p id="totp-state"></p>
<div id="totp-off" hidden>
${button('totp-start', t.startTotp, 'button')}
<div id="totp-setup" hidden>
<p>${text(t.scanHint)}</p>
<div class="qr"><img id="totp-qr" alt="" width="220" height="220" hidden></div>
<p>${text(t.secret)}: <code id="totp-secret" class="secret"></code></p>
<form id="totp-enable-form">
${field('totp-code', t.confirmCode, ' inputmode="numeric" autocomplete="one-time-code" required')}
${button('totp-enable', t.turnOn)}
</form>
</div>
</div>
<div id="backup-codes" hidden>
<h3>${text(t.backupCodes)}</h3>
<p class="hint">${text(t.backupHint)}</p>
<ul id="backup-code-list" class="codes"></ul>
</div>
<div id="totp-on" hidden>
<form id="totp-disable-form">
${field('totp-disable-code', t.disableCode, ' autocomplete="one-time-code" required')}
${button('totp-disable', t.turnOff)}
${button('totp-new-codes', t.newBackupCodes, 'button', ' class="secondary"')}
</form>
</div>
${status('totp-status')}`,
  );
