import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { pwnedFile, type BreachOutcome } from '../../src/passwords/breaches.js';

const sha1 = (password: string) => createHash('sha1').update(password).digest('hex').toUpperCase();

/** A file as the Pwned Passwords downloader writes it: `HASH:COUNT` lines ordered by hash. */
function breachFile(
  known: Record<string, number>,
  options: { filler?: number; eol?: string; trailing?: boolean; keep?: (hash: string) => boolean } = {},
) {
  const filler = Array.from({ length: options.filler ?? 2000 }, () => randomBytes(20).toString('hex').toUpperCase());
  const lines = [
    ...Object.entries(known).map(([password, count]) => `${sha1(password)}:${count}`),
    ...filler.filter(options.keep ?? (() => true)).map((hash, i) => `${hash}:${i + 1}`),
  ].sort();
  const eol = options.eol ?? '\r\n';
  const path = join(mkdtempSync(join(tmpdir(), 'pwned-')), 'pwned-passwords-sha1-ordered-by-hash.txt');
  writeFileSync(path, lines.join(eol) + (options.trailing === false ? '' : eol));
  return { path, lines };
}

describe('PWNED_PASSWORDS_FILE: a binary search of the sorted file, read a little at a time', () => {
  const outcomes: BreachOutcome[] = [];
  const check = (path: string) =>
    pwnedFile({ path, logger: pino({ level: 'silent' }), observe: (outcome) => outcomes.push(outcome) });

  it.each([
    ['CRLF, a newline at the end', { eol: '\r\n' }],
    ['LF, no newline at the end', { eol: '\n', trailing: false }],
  ])('finds every listed hash with its count, and nothing else (%s)', async (_what, options) => {
    const { path, lines } = breachFile({ 'Violet-harbour-lantern-77': 42, hunter2: 17 }, options);
    const breaches = check(path);
    expect(await breaches.timesSeen('Violet-harbour-lantern-77')).toBe(42);
    expect(await breaches.timesSeen('hunter2')).toBe(17);
    expect(await breaches.timesSeen('Quiet-orchard-compass-31')).toBe(0);
  });

  it('finds a hash on the very first line and on the very last', async () => {
    const password = 'Violet-harbour-lantern-77';
    const first = breachFile({ [password]: 5 }, { keep: (hash) => hash > sha1(password) });
    expect(first.lines[0]).toBe(`${sha1(password)}:5`);
    expect(await check(first.path).timesSeen(password)).toBe(5);
    const last = breachFile({ [password]: 6 }, { keep: (hash) => hash < sha1(password), trailing: false });
    expect(last.lines.at(-1)).toBe(`${sha1(password)}:6`);
    expect(await check(last.path).timesSeen(password)).toBe(6);
    const only = breachFile({ [password]: 7 }, { filler: 0 });
    expect(await check(only.path).timesSeen(password)).toBe(7);
    expect(await check(only.path).timesSeen('Quiet-orchard-compass-31')).toBe(0);
  });

  it('a missing or damaged file skips the check (null), never refuses', async () => {
    outcomes.length = 0;
    expect(await check('/nonexistent/pwned.txt').timesSeen('anything')).toBeNull();
    const path = join(mkdtempSync(join(tmpdir(), 'pwned-')), 'bad.txt');
    writeFileSync(path, 'this is not a hash list\r\nat all\r\n');
    expect(await check(path).timesSeen('anything')).toBeNull();
    expect(outcomes).toEqual(['skipped', 'skipped']);
  });
});
