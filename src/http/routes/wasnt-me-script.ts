import { linkToken } from './password-scripts.js';

/**
 * The "this wasn't me" page's script, after newLinkScript (its helpers, the new-link form, and the
 * texts: this page's under `T.wasntMe`).
 * The token is read once from the address, kept for a reload of this tab only, and taken out of
 * the address bar at once; it travels only in the POST body, when the person presses the button.
 */
export const WASNT_ME_SCRIPT =
  linkToken("'accounts.wasnt-me-token'") +
  String.raw`
const LINK_WORDS = T.wasntMe.linkWords;
const linkProblem = (words) => {
  kept.forget();
  token = '';
  $('confirm-panel').hidden = true;
  show('link-problem', words);
  $('new-link').hidden = false;
};
if (!token) linkProblem(T.wasntMe.missingLink);
$('secure').addEventListener('click', async () => {
  show('secure-error', '');
  $('secure').disabled = true;
  const { response, answer } = await send('POST', '/auth/wasnt-me', { token });
  $('secure').disabled = false;
  if (response && response.ok) {
    kept.forget();
    token = '';
    $('confirm-panel').hidden = true;
    show('done', fmt(T.wasntMe.secured, { sessions: answer.ended_sessions, devices: answer.forgotten_devices, credentials: answer.revoked_credentials }));
    $('new-link').hidden = false;
    return ($('email') || $('new-link-page')).focus();
  }
  if (response && Object.hasOwn(LINK_WORDS, answer.code)) return linkProblem(LINK_WORDS[answer.code]);
  show('secure-error', described(response, answer));
});
`;
