/** Profile, email, password and two-factor: PUT /auth/me, PUT /auth/update-password, /auth/totp. */
export const PROFILE_SCRIPT = String.raw`
function showProfile() {
  $('display-name').value = me.display_name || '';
  $('first-name').value = me.first_name || '';
  $('last-name').value = me.last_name || '';
  $('email').value = me.email || '';
  $('email-state').textContent = !me.email ? T.noEmail : me.email_verified ? T.verified : T.unverified;
  $('email-verify').hidden = !me.email || me.email_verified;
  $('password-form').hidden = !me.has_password;
  $('initial-password-form').hidden = me.has_password;
  if (!me.has_password) say('password-status', T.noPassword);
  showTwoFactor();
}
onSubmit('profile-form', async () => {
  // An emptied field clears the name (null), as the API takes it.
  const value = (id) => $(id).value.trim() || null;
  const answer = await api('PUT', '/auth/me', { display_name: value('display-name'), first_name: value('first-name'), last_name: value('last-name') });
  if (!answer.ok) return say('profile-status', problem(answer), true);
  me = answer.data;
  await loadMe();
  say('profile-status', T.saved);
});
let otpSession = null;
onSubmit('email-form', async () => {
  const body = { email: $('email').value.trim(), ...secondFactor($('email-totp').value) };
  if ($('email-password').value) body.password = $('email-password').value;
  const answer = await api('PUT', '/auth/me', body);
  if (!answer.ok) return say('email-status', problem(answer), true);
  // A new address was mailed a code: the answer names its otp_session, so that code confirms it.
  const { otp_session: mailed, ...user } = answer.data;
  me = user;
  $('email-password').value = '';
  $('email-totp').value = '';
  showProfile();
  if (mailed) {
    otpSession = mailed;
    $('email-verify-form').hidden = false;
    say('email-verify-status', '');
  }
  say('email-status', me.email_verified ? T.saved : mailed ? T.emailChanged : T.emailUnconfirmed);
  if (mailed) $('email-code').focus();
});
$('email-send-code').addEventListener('click', () => busy($('email-send-code'), async () => {
  const answer = await api('POST', '/auth/me/send-otp', {});
  if (!answer.ok) return say('email-verify-status', problem(answer), true);
  otpSession = answer.data.otp_session;
  $('email-verify-form').hidden = false;
  $('email-code').focus();
  say('email-verify-status', T.codeSent);
}));
onSubmit('email-verify-form', async () => {
  const answer = await api('POST', '/auth/verify-otp', { otp: $('email-code').value.trim(), otp_session: otpSession });
  if (!answer.ok) return say('email-verify-status', problem(answer), true);
  await loadMe();
  showProfile();
  say('email-verify-status', '');
  say('email-status', T.emailConfirmed);
});
onSubmit('password-form', async () => {
  const body = { old_password: $('old-password').value, new_password: $('new-password').value, ...secondFactor($('password-totp').value) };
  if ($('revoke-credentials').checked) body.revoke_credentials = true;
  const answer = await api('PUT', '/auth/update-password', body);
  if (!answer.ok) return say('password-status', problem(answer), true);
  $('password-form').reset();
  // A temporary password, now replaced: the rest of the page opens.
  if (me.must_reset_password) return location.reload();
  say('password-status', T.passwordChanged);
  loadSessions();
});
onSubmit('initial-password-form', async () => {
  const answer = await sensitive('POST', '/auth/me/set-initial-password', { password: $('initial-password').value }, 'password-status');
  if (!answer) return;
  if (!answer.ok) return say('password-status', problem(answer), true);
  $('initial-password-form').reset();
  await loadMe();
  showProfile();
  say('password-status', T.passwordSet);
});

function showTwoFactor() {
  $('totp-state').textContent = me.totp_enabled ? T.totpOn : T.totpOff;
  $('totp-on').hidden = !me.totp_enabled;
  $('totp-off').hidden = me.totp_enabled;
}
function showBackupCodes(codes) {
  $('backup-code-list').replaceChildren(...codes.map((code) => { const li = document.createElement('li'); const c = document.createElement('code'); c.textContent = code; li.append(c); return li; }));
  $('backup-codes').hidden = false;
}
$('totp-start').addEventListener('click', () => busy($('totp-start'), async () => {
  const setup = await api('GET', '/auth/totp');
  if (!setup.ok) return say('totp-status', problem(setup), true);
  $('totp-secret').textContent = setup.data.secret;
  // The QR code is drawn by this service (no third party sees the secret), as a data: image.
  const qr = await api('POST', '/account/qr', { uri: setup.data.uri }).catch(() => null);
  if (qr && qr.ok) { $('totp-qr').src = qr.data.data_url; $('totp-qr').alt = T.qrAlt; $('totp-qr').hidden = false; }
  $('totp-setup').hidden = false;
  $('totp-code').focus();
}));
onSubmit('totp-enable-form', async () => {
  const answer = await api('POST', '/auth/totp', { code: $('totp-code').value.trim() });
  if (!answer.ok) return say('totp-status', problem(answer), true);
  $('totp-enable-form').reset();
  $('totp-setup').hidden = true;
  $('totp-secret').textContent = '';
  $('totp-qr').removeAttribute('src');
  showBackupCodes(answer.data.backup_codes);
  await loadMe();
  showTwoFactor();
  say('totp-status', T.totpEnabled);
});
onSubmit('totp-disable-form', async () => {
  const answer = await api('DELETE', '/auth/totp', { code: $('totp-disable-code').value.trim() });
  if (!answer.ok) return say('totp-status', problem(answer), true);
  $('totp-disable-form').reset();
  $('backup-codes').hidden = true;
  await loadMe();
  showTwoFactor();
  say('totp-status', T.totpOff);
});
$('totp-new-codes').addEventListener('click', () => busy($('totp-new-codes'), async () => {
  const answer = await api('POST', '/auth/totp/backup-codes', { code: $('totp-disable-code').value.trim() });
  if (!answer.ok) return say('totp-status', problem(answer), true);
  $('totp-disable-form').reset();
  showBackupCodes(answer.data.backup_codes);
  say('totp-status', T.saved);
}));
`;
