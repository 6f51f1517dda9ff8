/** API keys (/auth/me/tokens) and ACLs with their tokens (/auth/acls): made, listed, revoked. */
export const KEYS_SCRIPT = String.raw`
// A secret the API shows once: on the page until it is reloaded, never kept anywhere else.
function showSecret(id, label, secret) {
  const box = $(id);
  const intro = document.createElement('p');
  intro.textContent = T.keyOnce + ' (' + label + ')';
  const code = document.createElement('code');
  code.textContent = secret;
  box.replaceChildren(intro, code);
  box.hidden = false;
}
async function loadKeys() {
  const answer = await api('GET', '/auth/me/tokens');
  if (!answer.ok) return say('keys-status', problem(answer), true);
  list('key-list', answer.data.map((key) => item(key.name + ' (' + key.prefix + '…)', T.created + ' ' + when(key.created_at) + ' · ' + T.expires + ' ' + when(key.expires_at) + ' · ' + T.lastUsed + ' ' + when(key.last_used_at), [
    [T.revoke, async () => {
      const gone = await api('DELETE', '/auth/me/tokens/' + key.id);
      if (!gone.ok) return say('keys-status', problem(gone), true);
      $('key-secret').hidden = true;
      // The list first, then the word: whoever reads "Revoked." sees the list without it.
      await loadKeys();
      say('keys-status', T.revoked);
    }, key.name],
  ])));
}
onSubmit('key-form', async () => {
  const body = { name: $('key-name').value.trim() };
  // A date input gives a day: the key lasts to its end, in this browser's time zone.
  if ($('key-expires').value) body.expires_at = new Date($('key-expires').value + 'T23:59:59').toISOString();
  const answer = await sensitive('POST', '/auth/me/tokens', body, 'keys-status');
  if (!answer) return;
  if (!answer.ok) return say('keys-status', problem(answer), true);
  $('key-form').reset();
  showSecret('key-secret', answer.data.name, answer.data.token);
  say('keys-status', '');
  loadKeys();
});

async function loadAcls() {
  const answer = await api('GET', '/auth/acls');
  if (!answer.ok) return say('acls-status', problem(answer), true);
  const items = [];
  for (const acl of answer.data) {
    const li = item(acl.name, (acl.allowed_endpoints.join(', ') || '—') + ' · ' + T.tokens + ': ' + acl.token_count, [
      [T.newToken, async () => {
        const made = await sensitive('POST', '/auth/acls/' + acl.id + '/tokens', {}, 'acls-status');
        if (!made) return;
        if (!made.ok) return say('acls-status', problem(made), true);
        showSecret('acl-secret', acl.name, made.data.token);
        loadAcls();
      }],
      [T.delete, async () => {
        const gone = await api('DELETE', '/auth/acls/' + acl.id);
        if (!gone.ok) return say('acls-status', problem(gone), true);
        say('acls-status', T.revoked);
        loadAcls();
      }],
    ]);
    if (acl.token_count > 0) {
      const tokens = await api('GET', '/auth/acls/' + acl.id + '/tokens');
      if (tokens.ok) {
        const sub = document.createElement('ul');
        sub.className = 'items';
        sub.setAttribute('aria-label', T.tokens + ': ' + acl.name);
        sub.append(...tokens.data.map((token) => item(T.created + ' ' + when(token.created_at), T.expires + ' ' + when(token.expires_at), [
          [T.revoke, async () => {
            const gone = await api('DELETE', '/auth/acls/' + acl.id + '/tokens/' + token.id);
            if (!gone.ok) return say('acls-status', problem(gone), true);
            say('acls-status', T.revoked);
            loadAcls();
          }, acl.name + ' ' + when(token.created_at)],
        ])));
        li.append(sub);
      }
    }
    items.push(li);
  }
  list('acl-list', items);
}
onSubmit('acl-form', async () => {
  const endpoints = $('acl-endpoints').value.split('\n').map((line) => line.trim()).filter(Boolean);
  const answer = await sensitive('POST', '/auth/acls', { name: $('acl-name').value.trim(), allowed_endpoints: endpoints }, 'acls-status');
  if (!answer) return;
  if (!answer.ok) return say('acls-status', problem(answer), true);
  $('acl-form').reset();
  say('acls-status', T.saved);
  loadAcls();
});
`;
