import { escapeHtml } from '../../page.js';
import { accessSections } from './markup-access.js';
import { dataSections, proveDialog } from './markup-data.js';
import type { AccountTexts } from './markup-parts.js';
import { profileSections } from './markup-profile.js';

const TOC: [string, keyof AccountTexts][] = [
  ['profile', 'profile'],
  ['password', 'password'],
  ['two-factor', 'twoFactor'],
  ['passkeys', 'passkeys'],
  ['sessions', 'sessions'],
  ['identities', 'identities'],
  ['credentials', 'credentials'],
  ['history', 'history'],
  ['data', 'data'],
  ['delete', 'deleteAccount'],
];

/** The whole page: a header with who is signed in, a table of contents, every section, the proof dialog. */
export const accountPage = (t: AccountTexts, service: string, publicUrl: string, providers: readonly string[]) =>
  `<main id="account" class="account" data-api="/api/v1" data-public-url="${escapeHtml(publicUrl)}" data-signed-in-as="${escapeHtml(t.signedInAs('{name}'))}">
<header>
<h1>${escapeHtml(t.title)} · ${escapeHtml(service)}</h1>
<button id="sign-out" type="button" class="secondary">${escapeHtml(t.signOut)}</button>
</header>
<p id="who" role="status"></p>
<noscript><p class="notice">${escapeHtml(t.needsScript)}</p></noscript>
<div id="signed-out" class="notice" role="alert" hidden><p id="signed-out-text">${escapeHtml(t.signedOut)}</p><p><a href="/login">${escapeHtml(t.signIn)}</a></p></div>
<nav class="toc" aria-label="${escapeHtml(t.nav)}"><ul>
${TOC.map(([id, key]) => `<li><a href="#${id}">${escapeHtml(String(t[key]))}</a></li>`).join('\n')}
</ul></nav>
${profileSections(t)}
${accessSections(t, providers)}
${dataSections(t)}
${proveDialog(t)}
</main>`;

/**
 * Signed out: nothing of an account, a way to sign in, and why an OAuth sign-in that was to end
 * here did not (`problem`, already in words). `login` is already escaped.
 */
export const signedOutPage = (
  t: AccountTexts,
  login: string,
  problem: string | null,
) => `<main id="account" class="narrow">
<h1>${escapeHtml(t.signedOutTitle)}</h1>${problem ? `\n<p id="oauth-error" class="error" role="alert">${escapeHtml(problem)}</p>` : ''}
<p>${escapeHtml(t.signedOut)}</p>
<p><a id="sign-in-link" href="${login}">${escapeHtml(t.signIn)}</a></p>
</main>`;
