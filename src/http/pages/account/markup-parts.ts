import type { Messages } from '../../messages/index.js';
import { escapeHtml } from '../../page.js';

export type AccountTexts = Messages['account'];

/** A labelled input: every field of the page has its own label (and a hint tied to it when given). */
export const field = (id: string, label: string, attrs = '', hint?: string) =>
  `<label for="${id}">${escapeHtml(label)}</label>
<input id="${id}" name="${id}"${attrs}${hint ? ` aria-describedby="${id}-hint"` : ''}>${
    hint ? `\n<p id="${id}-hint" class="hint">${escapeHtml(hint)}</p>` : ''
  }`;

/** The line under a form where its outcome is said (a live region, so a screen reader hears it). */
export const status = (id: string) => `<p id="${id}" class="status" role="status" hidden></p>`;

/** A section with its heading tied to it, so the landmark has a name. */
export const section = (id: string, heading: string, inner: string) =>
  `<section id="${id}" aria-labelledby="${id}-heading">
<h2 id="${id}-heading">${escapeHtml(heading)}</h2>
${inner}
</section>`;

export const button = (id: string, text: string, kind: 'submit' | 'button' = 'submit', extra = '') =>
  `<button id="${id}" type="${kind}"${extra}>${escapeHtml(text)}</button>`;

export const text = (value: string) => escapeHtml(value);
