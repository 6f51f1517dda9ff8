/**
 * Passkeys on /login, through @simplewebauthn/browser (served by the service: a global
 * `SimpleWebAuthnBrowser`): a button, autofill in the username field, and sign-up. A browser
 * without WebAuthn does not see the panel.
 */
export const PASSKEY_SCRIPT = String.raw`
const webauthn = window.SimpleWebAuthnBrowser;
async function passkeySignIn(autofill) {
  const options = await post('/auth/passkeys/authentication/options').then((r) => r.json());
  let response;
  try {
    response = await webauthn.startAuthentication({ optionsJSON: options, useBrowserAutofill: autofill });
  } catch (error) {
    if (!autofill) show('passkey-status', T.noPasskeyUsed);
    return;
  }
  const body = { response };
  if ($('passkey-totp-field').hidden === false && $('passkey-totp').value) body.totp_code = $('passkey-totp').value;
  const answer = await post('/auth/passkeys/authentication?session=cookie', body);
  if (answer.ok) return signedIn();
  const refusal = await answer.json();
  if (refusal.code === 'totp_required') { $('passkey-totp-field').hidden = false; return show('passkey-status', T.passkeyTotp); }
  show('passkey-status', refusal.detail || T.signInFailed);
}
if ($('passkey-panel') && webauthn && webauthn.browserSupportsWebAuthn()) {
  $('passkey-sign-in').addEventListener('click', () => passkeySignIn(false));
  webauthn.browserSupportsWebAuthnAutofill().then((yes) => { if (yes && $('username')) passkeySignIn(true); });
  $('passkey-sign-up-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    show('passkey-status', '');
    // Making an account needs the CAPTCHA when one is on: solved first, so the passkey is made once.
    if (captchaOn() && !captcha.token && askCaptcha(() => $('passkey-sign-up-form').requestSubmit()))
      return show('passkey-status', T.captchaPasskey);
    const wanted = { username: $('new-username').value };
    if ($('new-email').value) wanted.email = $('new-email').value;
    const optionsAnswer = await post('/auth/passkeys/sign-up/options', wanted);
    const options = await optionsAnswer.json();
    if (!optionsAnswer.ok) return show('passkey-status', options.detail || T.signUpFailed);
    let response;
    try { response = await webauthn.startRegistration({ optionsJSON: options }); } catch (error) { return show('passkey-status', T.noPasskeyMade); }
    const made = await post('/auth/passkeys/sign-up?session=cookie', withCaptcha({ response }));
    if (made.ok) return signedIn();
    show('passkey-status', (await made.json()).detail || T.signUpFailed);
  });
} else if ($('passkey-panel')) {
  $('passkey-panel').hidden = true;
}
`;
