import { button, field, section, status, text, type AccountTexts } from './markup-parts.js';

/** History, the download of one's data, deletion, and the dialog a sensitive change asks its proof in. */
export const dataSections = (t: AccountTexts) =>
  section(
    'history',
    t.history,
    `<p class="hint">${text(t.historyIntro)}</p>
<ol id="history-list" class="items"></ol>
${button('history-more', t.moreHistory, 'button', ' class="secondary" hidden')}
${status('history-status')}`,
  ) +
  section(
    'data',
    t.data,
    `<p>${text(t.dataIntro)}</p>
<p><a id="export-link" class="button" href="/api/v1/auth/me/export" download>${text(t.download)}</a></p>
${status('export-status')}`,
  ) +
  section(
    'delete',
    t.deleteAccount,
    `<p>${text(t.deleteIntro)}</p>
<form id="delete-form">
${field('delete-password', t.currentPassword, ' type="password" autocomplete="current-password"')}
${field('delete-totp', t.twoFactorCode, ' inputmode="numeric" autocomplete="one-time-code"')}
${button('delete-submit', t.deleteConfirm, 'submit', ' class="danger"')}
${status('delete-status')}
</form>`,
  );

/** A modal dialog (focus stays in it, Escape closes it) that asks the password again. */
export const proveDialog = (t: AccountTexts) => `<dialog id="prove" aria-labelledby="prove-heading">
<form id="prove-form" method="dialog">
<h2 id="prove-heading">${text(t.proveTitle)}</h2>
<p>${text(t.proveIntro)}</p>
<div id="prove-password-field">${field('prove-password', t.currentPassword, ' type="password" autocomplete="current-password"')}</div>
${field('prove-totp', t.twoFactorCode, ' inputmode="numeric" autocomplete="one-time-code"')}
<p class="actions">${button('prove-submit', t.prove)} ${button('prove-cancel', t.cancel, 'button', ' class="secondary"')}</p>
${status('prove-status')}
</form>
</dialog>`;
