import { linkToken } from './password-scripts.js';

/**
 * The "this wasn't me" page's script, after NEW_LINK_SCRIPT (its helpers and the new-link form).
 * The token is read once from the address, kept for a reload of this tab only, and taken out of
 * the address bar at once; it travels only in the POST body, when the person presses the button.
 */
export const WASNT_ME_SCRIPT =
  linkToken("'accounts.wasnt-me-token'") +
  String.raw`
const LINK_WORDS = {
  invalid_credentials: 'This link is not valid, or was damaged on its way: it no longer works. If someone else is in your account, choose a new password below: that signs out every session too.',
  challenge_expired: 'This link has expired. If someone else is in your account, choose a new password below: that signs out every session too.',
  challenge_used: 'This link was already used: your account was secured then. Choose a new password below if you have not yet.',
  not_found: 'This account no longer exists.',
};
const linkProblem = (words) => {
  kept.forget();
  token = '';
  $('confirm-panel').hidden = true;
  show('link-problem', words);
  $('new-link').hidden = false;
};
if (!token) linkProblem('This page needs the link from your mail: open it again from there. If someone else is in your account, choose a new password below.');
$('secure').addEventListener('click', async () => {
  show('secure-error', '');
  $('secure').disabled = true;
  const { response, answer } = await send('POST', '/auth/wasnt-me', { token });
  $('secure').disabled = false;
  if (response && response.ok) {
    kept.forget();
    token = '';
    $('confirm-panel').hidden = true;
    show('done', 'Your account is secured: ' + answer.ended_sessions + ' session(s) signed out, ' + answer.forgotten_devices + ' trusted device(s) forgotten, ' + answer.revoked_credentials + ' API key(s) and ACL token(s) revoked. Now choose a new password.');
    $('new-link').hidden = false;
    return ($('email') || $('new-link-page')).focus();
  }
  if (response && Object.hasOwn(LINK_WORDS, answer.code)) return linkProblem(LINK_WORDS[answer.code]);
  show('secure-error', described(response, answer));
});
`;
