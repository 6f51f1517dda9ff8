/**
 * Two more ways in on /login. A code by email: `POST /auth/send-code` (it answers 202 whatever the
 * address, so the page says "if this address can sign in"), then `POST /auth/verify-code`.
 * Nostr through a NIP-07 extension: the page builds the unsigned NIP-98 event the server checks
 * (kind 27235, `u` the public URL of POST /api/v1/auth/nostr, `method` POST, `created_at` now; no
 * `payload` tag, which would have to hash the body that carries the event itself), the extension
 * signs it, and the event goes in the body as `nostr_event`.
 */
export const EMAIL_CODE_SCRIPT = String.raw`
if ($('send-code-form')) {
  const codeForms = (sent) => { $('send-code-form').hidden = sent; $('verify-code-form').hidden = !sent; };
  $('send-code-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    show('email-code-error', '');
    show('email-code-status', '');
    const email = $('code-email').value.trim();
    $('send-code').disabled = true;
    const response = await post('/auth/send-code', withCaptcha({ email })).catch(() => null);
    $('send-code').disabled = false;
    const answer = response ? await response.json().catch(() => ({})) : {};
    if (isCaptchaAnswer(answer) && askCaptcha(() => $('send-code-form').requestSubmit())) return show('email-code-status', T.captchaCode);
    if (!response) return show('email-code-error', T.common.unreachable);
    if (response.status !== 202) return show('email-code-error', answer.detail || T.common.failed);
    codeForms(true);
    show('email-code-status', fmt(T.codeSent, { email }));
    $('email-code').focus();
  });
  $('other-address').addEventListener('click', () => {
    codeForms(false);
    show('email-code-status', '');
    show('email-code-error', '');
    $('code-email').focus();
  });
  $('verify-code-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    show('email-code-error', '');
    const code = $('email-code').value.trim();
    if (!/^\d{6}$/.test(code)) return show('email-code-error', T.badCode);
    const answer = await signIn('/auth/verify-code', { email: $('code-email').value.trim(), code }, { totp: 'code-totp', error: 'email-code-error' });
    if (!answer) return;
    if (isCaptchaAnswer(answer) && askCaptcha(() => $('verify-code-form').requestSubmit())) return show('email-code-error', T.captchaNostr);
    show('email-code-error', answer.detail || T.signInFailed);
  });
}
`;

export const NOSTR_SCRIPT = String.raw`
if ($('nostr-panel')) {
  // An extension may inject window.nostr a moment after the page loads: look again once.
  const offerNostr = () => { if (window.nostr && typeof window.nostr.signEvent === 'function') $('nostr-panel').hidden = false; };
  offerNostr();
  if ($('nostr-panel').hidden) setTimeout(offerNostr, 500);
  $('nostr-sign-in').addEventListener('click', async () => {
    show('nostr-status', '');
    const unsigned = {
      kind: 27235,
      created_at: Math.floor(Date.now() / 1000),
      tags: [['u', $('nostr-panel').dataset.url], ['method', 'POST']],
      content: '',
    };
    let signed;
    try {
      signed = await window.nostr.signEvent(unsigned);
    } catch {
      return show('nostr-status', T.nostrRefused);
    }
    const answer = await signIn('/auth/nostr', { nostr_event: JSON.stringify(signed) }, { totp: 'nostr-totp', error: 'nostr-status' });
    if (!answer) return;
    if (isCaptchaAnswer(answer) && askCaptcha(() => $('nostr-sign-in').click())) return show('nostr-status', T.captchaNostr);
    show('nostr-status', answer.detail || T.signInFailed);
  });
}
`;
