/** History (GET /auth/me/history), the export's download, deletion (DELETE /auth/me), and the first load. */
export const DATA_SCRIPT = String.raw`
let historyBefore = null;
async function loadHistory(more) {
  const answer = await api('GET', '/auth/me/history?limit=20' + (more && historyBefore ? '&before=' + encodeURIComponent(historyBefore) : ''));
  if (!answer.ok) return say('history-status', problem(answer), true);
  const entries = answer.data.map((e) => item(e.summary, when(e.at) + (e.user_agent ? ' · ' + e.user_agent : '') + (e.ip ? ' · ' + e.ip : ''), []));
  if (more) $('history-list').append(...entries);
  else {
    list('history-list', entries);
    if (!entries.length) $('history-list').firstElementChild.textContent = T.noHistory;
  }
  historyBefore = answer.data.length ? answer.data[answer.data.length - 1].position : historyBefore;
  $('history-more').hidden = answer.data.length < 20;
}
$('history-more').addEventListener('click', () => busy($('history-more'), () => loadHistory(true)));

// The link works by itself right after a sign-in; the script downloads it instead, so that an
// older session is asked to confirm first rather than shown the API's refusal.
$('export-link').addEventListener('click', async (event) => {
  event.preventDefault();
  const response = await fetch(API + '/auth/me/export', { credentials: 'same-origin' });
  let answer = response;
  if (response.status === 403) {
    const refusal = await response.json().catch(() => ({}));
    if (refusal.code !== 'reauth_required') return say('export-status', refusal.detail || T.failed, true);
    const proof = await askProof();
    if (!proof) return say('export-status', T.proofCancelled, true);
    const proven = await api('POST', '/auth/reauth', proof);
    if (!proven.ok) return say('export-status', problem(proven), true);
    answer = await fetch(API + '/auth/me/export', { credentials: 'same-origin' });
  }
  if (!answer.ok) return say('export-status', ((await answer.json().catch(() => ({}))).detail) || T.failed, true);
  const name = (/filename="([^"]+)"/.exec(answer.headers.get('content-disposition') || '') || [])[1] || 'account.json';
  const url = URL.createObjectURL(await answer.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  say('export-status', T.downloading);
  loadHistory(false);
});

onSubmit('delete-form', async () => {
  const body = { ...secondFactor($('delete-totp').value.trim()) };
  if ($('delete-password').value) body.password = $('delete-password').value;
  const answer = await api('DELETE', '/auth/me', body);
  if (!answer.ok) return say('delete-status', problem(answer), true);
  signedOut(T.deleted);
});

(async () => {
  if (!(await loadMe())) return;
  showProfile();
  // Until an admin-made account replaces its temporary password, the API opens nothing else.
  if (me.must_reset_password) {
    root.querySelectorAll('section:not(#password), nav.toc').forEach((el) => { el.hidden = true; });
    say('password-status', T.mustReset, true);
    root.dataset.ready = 'true';
    return;
  }
  showIdentities();
  await Promise.all([loadPasskeys(), loadSessions(), loadDevices(), loadKeys(), loadAcls(), loadHistory(false)]);
  root.dataset.ready = 'true';
})();
`;
