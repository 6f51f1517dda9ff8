/**
 * What the account page adds to the pages' common script (coreScript in ../shared.ts, which comes
 * first: `T`, `$`, `API`, the CSRF header, `send`): every read and change goes through the same
 * REST API as any other client, with the browser session; a session that ended signs the page
 * out; the "confirm it is you" dialog for sensitive changes; list items and busy buttons.
 */
export const CORE_SCRIPT = String.raw`
const root = $('account');
let me = null;
function signedOut(text) {
  root.querySelectorAll('section, nav.toc, #sign-out').forEach((el) => { el.hidden = true; });
  const note = $('signed-out');
  note.hidden = false;
  if (text) $('signed-out-text').textContent = text;
}
async function api(method, path, body) {
  // The page's own route (its QR code) lives beside the page, not in the API.
  const response = await send(method, path.startsWith('/account/') ? path : API + path, body);
  let data = null;
  try { data = await response.json(); } catch (error) { data = null; }
  // Only a session that ended signs the page out: a 401 for a wrong password or code is the form's to say.
  const ended = ['unauthenticated', 'token_expired', 'token_revoked'];
  if (response.status === 401 && data && ended.includes(data.code)) signedOut();
  return { ok: response.ok, status: response.status, data };
}
function say(id, text, isError) {
  const el = $(id);
  el.textContent = text || '';
  el.hidden = !text;
  el.classList.toggle('error', Boolean(isError));
}
const problem = (answer) => (answer.data && answer.data.detail) || T.failed;
const when = (iso) => (iso ? new Date(iso).toLocaleString() : T.never);
const fill = (text, n) => text.replace('{n}', String(n));
// A list item: its words (a name, then a line of details) and its buttons; text only, never markup.
function item(title, details, actions) {
  const li = document.createElement('li');
  const words = document.createElement('div');
  const name = document.createElement('span');
  name.textContent = title;
  words.append(name);
  if (details) { const meta = document.createElement('span'); meta.className = 'meta'; meta.textContent = details; words.append(meta); }
  li.append(words);
  for (const [label, onClick, described] of actions || []) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'small secondary';
    b.textContent = label;
    // The button names what it acts on, for a screen reader going from button to button.
    b.setAttribute('aria-label', label + ': ' + (described || title));
    b.addEventListener('click', () => busy(b, onClick));
    li.append(b);
  }
  return li;
}
function list(id, items) {
  const el = $(id);
  el.replaceChildren(...items);
  if (!items.length) { const li = document.createElement('li'); li.textContent = T.none; el.append(li); }
}
// A button does one thing at a time: disabled while its request runs.
async function busy(button, work) {
  button.disabled = true;
  try { await work(); } finally { button.disabled = false; }
}
function onSubmit(formId, work) {
  const form = $(formId);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const submit = form.querySelector('button[type=submit]');
    busy(submit, work);
  });
}
const secondFactor = (value) => (value ? { totp_code: value } : {});

// "Confirm it is you": the dialog asks the password (and the two-factor code), and resolves with
// the proof, or null when the person cancels.
function askProof() {
  const dialog = $('prove');
  $('prove-password-field').hidden = me && me.has_password === false;
  $('prove-password').value = '';
  $('prove-totp').value = '';
  say('prove-status', '');
  return new Promise((resolve) => {
    const done = (proof) => { dialog.onclose = null; $('prove-form').onsubmit = null; $('prove-cancel').onclick = null; if (dialog.open) dialog.close(); resolve(proof); };
    $('prove-form').onsubmit = (event) => {
      event.preventDefault();
      const proof = {};
      if ($('prove-password').value) proof.password = $('prove-password').value;
      if ($('prove-totp').value) proof.totp_code = $('prove-totp').value;
      done(proof);
    };
    $('prove-cancel').onclick = () => done(null);
    dialog.onclose = () => done(null);
    dialog.showModal();
  });
}
// A sensitive change: tried as it is (a recent sign-in is proof enough); when the API answers
// 403 reauth_required, the person confirms, the session is proven (POST /auth/reauth), and it is sent again.
async function sensitive(method, path, body, statusId) {
  const first = await api(method, path, body);
  if (!(first.status === 403 && first.data && first.data.code === 'reauth_required')) return first;
  const proof = await askProof();
  if (!proof) { say(statusId, T.proofCancelled, true); return null; }
  const proven = await api('POST', '/auth/reauth', proof);
  if (!proven.ok) { say(statusId, problem(proven), true); return null; }
  return api(method, path, body);
}
// A change whose body must carry the proof itself (adding or removing a passkey): asked first.
async function withProof(statusId) {
  if (me && me.has_password === false && !me.totp_enabled) return {};
  const proof = await askProof();
  if (!proof) say(statusId, T.proofCancelled, true);
  return proof;
}
async function loadMe() {
  // GET /auth, not /auth/me: the one read an admin-made account may make before it sets its password.
  const answer = await api('GET', '/auth');
  if (!answer.ok) return null;
  me = answer.data;
  $('who').textContent = root.dataset.signedInAs.replace('{name}', me.display_name || me.username || me.email || me.id);
  return me;
}
onSignedOut = () => signedOut(T.signedOut);
`;
