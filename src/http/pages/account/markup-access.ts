import { providerName } from '../shared.js';
import { button, field, section, status, text, type AccountTexts } from './markup-parts.js';

/**
 * The ways into the account and what it has handed out: passkeys, sessions and trusted devices,
 * linked sign-ins (with a "Link <provider>" button for each configured OAuth provider, shown
 * while it is not linked), API keys and ACL tokens. The lists are filled by the script from the API.
 */
export const accessSections = (t: AccountTexts, providers: readonly string[]) =>
  section(
    'passkeys',
    t.passkeys,
    `<ul id="passkey-list" class="items"></ul>
${button('passkey-add', t.addPasskey, 'button')}
${status('passkeys-status')}`,
  ) +
  section(
    'sessions',
    t.sessions,
    `<p>${text(t.sessionsIntro)}</p>
<ul id="session-list" class="items"></ul>
${button('sessions-end-others', t.endOthers, 'button', ' class="secondary"')}
${status('sessions-status')}
<h3>${text(t.devices)}</h3>
<p class="hint">${text(t.devicesIntro)}</p>
<ul id="device-list" class="items"></ul>
${button('devices-forget-all', t.forgetAllDevices, 'button', ' class="secondary"')}
${status('devices-status')}`,
  ) +
  section(
    'identities',
    t.identities,
    `<p class="hint">${text(t.identitiesIntro)}</p>
<ul id="identity-list" class="items"></ul>
<p class="actions">${button('link-lnurl', t.linkLnurl, 'button', ' class="secondary"')} ${button('link-nostr', t.linkNostr, 'button', ' class="secondary"')}${providers
      .map(
        (name) =>
          ` ${button(`link-oauth-${name}`, t.linkOAuth(providerName(name)), 'button', ` class="secondary" data-provider="${text(name)}" hidden`)}`,
      )
      .join('')}</p>
<div id="lnurl-link" hidden>
<p>${text(t.lnurlScan)} <a id="lnurl-link-open" href="#">${text(t.lnurlOpen)}</a></p>
<div class="qr"><img id="lnurl-qr" alt="" width="220" height="220" hidden></div>
</div>
${status('identities-status')}`,
  ) +
  section(
    'credentials',
    t.credentials,
    `<h3>${text(t.apiKeys)}</h3>
<form id="key-form">
${field('key-name', t.keyName, ' maxlength="100" required autocomplete="off"')}
${field('key-expires', t.keyExpires, ' type="date"')}
${button('key-create', t.createKey)}
</form>
<div id="key-secret" class="secret-box" hidden></div>
<ul id="key-list" class="items"></ul>
${status('keys-status')}
<h3>${text(t.acls)}</h3>
<form id="acl-form">
${field('acl-name', t.aclName, ' maxlength="100" required autocomplete="off"')}
<label for="acl-endpoints">${text(t.aclEndpoints)}</label>
<textarea id="acl-endpoints" rows="3"></textarea>
${button('acl-create', t.createAcl)}
</form>
<div id="acl-secret" class="secret-box" hidden></div>
<ul id="acl-list" class="items"></ul>
${status('acls-status')}`,
  );
