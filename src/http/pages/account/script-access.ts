/** Passkeys (@simplewebauthn/browser), sessions, trusted devices and linked sign-ins. */
export const ACCESS_SCRIPT = String.raw`
const webauthn = window.SimpleWebAuthnBrowser;
async function loadPasskeys() {
  const answer = await api('GET', '/auth/passkeys');
  if (!answer.ok) return say('passkeys-status', problem(answer), true);
  list('passkey-list', answer.data.map((key) => item(key.name, T.created + ' ' + when(key.created_at) + ' · ' + T.lastUsed + ' ' + when(key.last_used_at), [
    [T.remove, async () => {
      const proof = await withProof('passkeys-status');
      if (!proof) return;
      const removed = await api('DELETE', '/auth/passkeys/' + encodeURIComponent(key.id), proof);
      if (!removed.ok) return say('passkeys-status', problem(removed), true);
      say('passkeys-status', T.removed);
      loadPasskeys();
    }],
  ])));
}
$('passkey-add').addEventListener('click', () => busy($('passkey-add'), async () => {
  if (!webauthn || !webauthn.browserSupportsWebAuthn()) return say('passkeys-status', T.noWebauthn, true);
  const proof = await withProof('passkeys-status');
  if (!proof) return;
  const options = await api('POST', '/auth/passkeys/registration/options', {});
  if (!options.ok) return say('passkeys-status', problem(options), true);
  let response;
  try { response = await webauthn.startRegistration({ optionsJSON: options.data }); } catch (error) { return say('passkeys-status', T.passkeyCancelled, true); }
  const added = await api('POST', '/auth/passkeys/registration', { response, ...proof });
  if (!added.ok) return say('passkeys-status', problem(added), true);
  say('passkeys-status', T.passkeyAdded);
  loadPasskeys();
}));

async function loadSessions() {
  const answer = await api('GET', '/auth/sessions');
  if (!answer.ok) return say('sessions-status', problem(answer), true);
  list('session-list', answer.data.map((s) => {
    const title = s.device + (s.current ? ' (' + T.current + ')' : '');
    const details = s.method + ' · ' + (s.network || '') + ' · ' + T.created + ' ' + when(s.created_at) + ' · ' + T.lastUsed + ' ' + when(s.last_used_at);
    return item(title, details, s.current ? [] : [[T.end, async () => {
      const ended = await api('DELETE', '/auth/sessions/' + s.id);
      if (!ended.ok) return say('sessions-status', problem(ended), true);
      say('sessions-status', T.sessionEnded);
      loadSessions();
    }, title + ', ' + when(s.last_used_at)]]);
  }));
}
$('sessions-end-others').addEventListener('click', () => busy($('sessions-end-others'), async () => {
  const answer = await api('DELETE', '/auth/sessions?others=true');
  if (!answer.ok) return say('sessions-status', problem(answer), true);
  say('sessions-status', fill(T.othersEnded, answer.data.ended));
  loadSessions();
}));
async function loadDevices() {
  const answer = await api('GET', '/auth/devices');
  if (!answer.ok) return say('devices-status', problem(answer), true);
  list('device-list', answer.data.map((d) => item(d.name + (d.current ? ' (' + T.current + ')' : ''), T.lastUsed + ' ' + when(d.last_used_at) + ' · ' + T.expires + ' ' + when(d.expires_at), [
    [T.forget, async () => {
      const gone = await api('DELETE', '/auth/devices/' + d.id);
      if (!gone.ok) return say('devices-status', problem(gone), true);
      say('devices-status', fill(T.devicesForgotten, 1));
      loadDevices();
    }],
  ])));
}
$('devices-forget-all').addEventListener('click', () => busy($('devices-forget-all'), async () => {
  const answer = await api('DELETE', '/auth/devices');
  if (!answer.ok) return say('devices-status', problem(answer), true);
  say('devices-status', fill(T.devicesForgotten, answer.data.forgotten));
  loadDevices();
}));

function showIdentities() {
  // A provider's "Link" button, while no identity of it is linked.
  root.querySelectorAll('[data-provider]').forEach((button) => {
    button.hidden = (me.identities || []).some((identity) => identity.method === 'oauth:' + button.dataset.provider);
  });
  list('identity-list', (me.identities || []).map((identity) => item(identity.method, identity.id, [
    [T.unlink, async () => {
      const path = '/auth/identities/' + encodeURIComponent(identity.method) + '/' + encodeURIComponent(identity.id);
      const answer = await sensitive('DELETE', path, {}, 'identities-status');
      if (!answer) return;
      if (!answer.ok) return say('identities-status', problem(answer), true);
      me = answer.data;
      say('identities-status', T.revoked);
      showIdentities();
    }, identity.method + ' ' + identity.id],
  ])));
}

// Linking a Lightning wallet: the API's LNURL-auth link (a sensitive action), its QR code, and the
// k1 polled until the wallet has signed it.
let lnurlPolling = null;
$('link-lnurl').addEventListener('click', () => busy($('link-lnurl'), async () => {
  const started = await sensitive('GET', '/auth/lnurl?action=link', undefined, 'identities-status');
  if (!started) return;
  if (!started.ok) return say('identities-status', problem(started), true);
  const link = 'lightning:' + started.data.lnurl;
  $('lnurl-link-open').href = link;
  const qr = await api('POST', '/account/qr', { uri: link });
  if (qr.ok) { $('lnurl-qr').src = qr.data.data_url; $('lnurl-qr').alt = T.qrAlt; $('lnurl-qr').hidden = false; }
  $('lnurl-link').hidden = false;
  say('identities-status', T.lnurlWaiting);
  clearTimeout(lnurlPolling);
  const poll = async () => {
    const answer = await api('GET', '/auth/lnurl/' + started.data.k1);
    if (answer.status === 202) { lnurlPolling = setTimeout(poll, 1000); return; }
    $('lnurl-link').hidden = true;
    if (!answer.ok) return say('identities-status', answer.status === 410 ? T.lnurlExpired : problem(answer), true);
    await loadMe();
    showIdentities();
    say('identities-status', T.linked);
  };
  lnurlPolling = setTimeout(poll, 1000);
}));
// Linking a Nostr key: a NIP-98 event for the link route, signed by the browser's NIP-07 signer.
$('link-nostr').addEventListener('click', () => busy($('link-nostr'), async () => {
  if (!window.nostr) return say('identities-status', T.noNostr, true);
  const url = root.dataset.publicUrl.replace(/\/$/, '') + API + '/auth/nostr/link';
  let signed;
  try {
    signed = await window.nostr.signEvent({ kind: 27235, created_at: Math.floor(Date.now() / 1000), tags: [['u', url], ['method', 'POST']], content: '' });
  } catch (error) { return say('identities-status', T.proofCancelled, true); }
  const answer = await sensitive('POST', '/auth/nostr/link', { nostr_event: JSON.stringify(signed) }, 'identities-status');
  if (!answer) return;
  if (!answer.ok) return say('identities-status', problem(answer), true);
  me = answer.data;
  showIdentities();
  say('identities-status', T.linked);
}));
// Linking an OAuth provider: the browser goes to the API's start route with this session's cookie
// (it links rather than signs in), and the provider's answer comes back to this page. The start
// is a sensitive action: it is first tried without following the redirect, so that an older
// session confirms it is you here (POST /auth/reauth) rather than landing on the API's refusal.
const accountUrl = new URL('/account', root.dataset.publicUrl).href;
root.querySelectorAll('[data-provider]').forEach((button) => button.addEventListener('click', () => busy(button, async () => {
  const start = API + '/auth/' + encodeURIComponent(button.dataset.provider) + '?redirect_uri=' + encodeURIComponent(accountUrl);
  const tried = await fetch(start, { redirect: 'manual', credentials: 'same-origin' }).catch(() => null);
  if (!tried) return say('identities-status', T.common.unreachable, true);
  if (tried.type !== 'opaqueredirect') {
    const data = await tried.json().catch(() => null);
    if (!(tried.status === 403 && data && data.code === 'reauth_required')) return say('identities-status', problem({ data }), true);
    const proof = await askProof();
    if (!proof) return say('identities-status', T.proofCancelled, true);
    const proven = await api('POST', '/auth/reauth', proof);
    if (!proven.ok) return say('identities-status', problem(proven), true);
  }
  location.assign(start);
})));
// Back from a provider with an error (the finish route's ?oauth_error=): said in words, and taken off the address.
const oauthError = new URLSearchParams(location.search).get('oauth_error');
if (oauthError) {
  say('identities-status', T.oauthErrors[oauthError] || T.oauthErrors.other, true);
  history.replaceState(null, '', location.pathname);
}
`;
