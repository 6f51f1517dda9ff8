/**
 * A mail's two formats from one list of blocks: plain text, and HTML in which every value is
 * escaped. The templates (`templates.ts`) say what a mail says; this says how it looks.
 */
import { escapeHtml } from '../html.js';

/** What a mail says, independent of its format; rendered once as text and once as HTML. */
export type Block =
  | { type: 'p'; text: string }
  /** A secret to type in (a code): shown large. */
  | { type: 'code'; label: string; value: string }
  /** A value to copy (an id such as otp_session): shown monospaced. */
  | { type: 'value'; label: string; value: string }
  | { type: 'link'; href: string };

export interface Content {
  subject: string;
  blocks: Block[];
  /** Whether the mail answers a request of the user ("ignore it if it was not you") or is a notice. */
  requested: boolean;
  /** The footer's reason line, where neither of `requested`'s fits (an admin's notice about the service). */
  footer?: string;
}

export function renderText(blocks: Block[], foot: string): string {
  const parts = blocks.map((block) => {
    switch (block.type) {
      case 'p':
        return block.text;
      case 'code':
      case 'value':
        return `    ${block.value}`;
      case 'link':
        return block.href;
    }
  });
  return `${parts.join('\n\n')}\n\n-- \n${foot}\n`;
}

export function renderHtml(subject: string, blocks: Block[], foot: string): string {
  const body = blocks
    .map((block) => {
      switch (block.type) {
        case 'p':
          return `<p>${escapeHtml(block.text)}</p>`;
        case 'code':
          return `<p aria-label="${escapeHtml(block.label)}" style="font-family:monospace;font-size:28px;font-weight:bold;letter-spacing:4px">${escapeHtml(block.value)}</p>`;
        case 'value':
          return `<p aria-label="${escapeHtml(block.label)}"><code style="font-family:monospace;word-break:break-all">${escapeHtml(block.value)}</code></p>`;
        case 'link':
          return `<p><a href="${escapeHtml(block.href)}">${escapeHtml(block.href)}</a></p>`;
      }
    })
    .join('\n');
  return [
    '<!doctype html>',
    '<html>',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>' +
      escapeHtml(subject) +
      '</title></head>',
    '<body style="font-family:sans-serif;line-height:1.5;color:#222">',
    body,
    '<hr>',
    `<p style="font-size:12px;color:#666">${escapeHtml(foot)}</p>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
