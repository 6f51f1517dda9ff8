import { en, type Messages } from './en.js';

export type { Messages } from './en.js';

/** The languages there is a file for; the first is the default. */
const LANGUAGES: Record<string, Messages> = { en };

/** The messages for a request's `Accept-Language` (the first language we have), English otherwise. */
export function messagesFor(acceptLanguage: string | undefined): Messages {
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]!.trim().toLowerCase().split('-')[0]!;
    const found = LANGUAGES[tag];
    if (found) return found;
  }
  return en;
}
