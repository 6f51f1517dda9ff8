import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import type { Logger } from 'pino';
import { BoundedCache } from '../bounded-cache.js';

/**
 * Whether a password is known from data breaches (Have I Been Pwned's Pwned Passwords). Answers
 * how many times it was seen, or null when the check could not be made: the caller then lets the
 * password through, since a breach service that is slow or down must never fail a registration.
 */
export interface BreachCheck {
  timesSeen(password: string): Promise<number | null>;
}

/** How each check went, for the metrics: found, clean, or skipped (slow, down, malformed). */
export type BreachOutcome = 'found' | 'clean' | 'skipped';
export type ObserveBreachCheck = (outcome: BreachOutcome, seconds: number) => void;

const sha1 = (password: string) => createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
const RANGE_LINE = /^([0-9A-F]{35}):(\d+)$/;
/** Prefixes kept, and for how long: a range answer is ~30 kB, and the data changes rarely. */
const CACHE_PREFIXES = 512;
const CACHE_MS = 3_600_000;

/**
 * The k-anonymity range API: only the first five hex characters of the password's SHA-1 leave
 * the service (`GET <url>/<prefix>`), with `Add-Padding: true` so that the answer's size says
 * nothing either; the suffixes are compared here. Answers are cached per prefix for an hour.
 */
export function pwnedRangeApi(deps: {
  url: string;
  timeoutMs: number;
  logger: Logger;
  observe: ObserveBreachCheck;
  clock: () => Date;
}): BreachCheck {
  const base = deps.url.replace(/\/+$/, '');
  const cache = new BoundedCache<string, { until: number; counts: Map<string, number> }>(CACHE_PREFIXES);

  const range = async (prefix: string): Promise<Map<string, number>> => {
    const cached = cache.get(prefix);
    if (cached && cached.until > deps.clock().getTime()) return cached.counts;
    const response = await fetch(`${base}/${prefix}`, {
      headers: { 'add-padding': 'true', accept: 'text/plain' },
      redirect: 'error',
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
    if (!response.ok) throw new Error(`the range API answered HTTP ${response.status}`);
    const counts = new Map<string, number>();
    for (const line of (await response.text()).split('\n')) {
      const trimmed = line.trim();
      if (!trimmed) continue;
      const match = RANGE_LINE.exec(trimmed);
      if (!match) throw new Error('the range API answered something that is not a range');
      // Padding entries have a count of 0: they are there only to hide the answer's size.
      if (Number(match[2]) > 0) counts.set(match[1]!, Number(match[2]));
    }
    cache.set(prefix, { until: deps.clock().getTime() + CACHE_MS, counts });
    return counts;
  };

  return {
    async timesSeen(password) {
      const hash = sha1(password);
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const seen = (await range(hash.slice(0, 5))).get(hash.slice(5)) ?? 0;
        deps.observe(seen > 0 ? 'found' : 'clean', seconds());
        return seen;
      } catch (error) {
        deps.observe('skipped', seconds());
        // Never the hash or its prefix: the line says only that the check was skipped, and why.
        deps.logger.warn(
          { reason: error instanceof Error ? (error.name === 'TimeoutError' ? 'timeout' : error.message) : 'unknown' },
          'breached-password check skipped: the range API did not answer in time or usably',
        );
        return null;
      }
    },
  };
}

/**
 * The same check offline, from a local copy of Pwned Passwords (SHA-1 ordered by hash, one
 * `HASH:COUNT` line each, as the official downloader writes it): a binary search by byte offset,
 * reading ~128 bytes per step, so a 40 GB file costs about 30 small reads and no memory.
 */
export function pwnedFile(deps: { path: string; logger: Logger; observe: ObserveBreachCheck }): BreachCheck {
  let handle: Promise<FileHandle> | null = null;
  const file = () => (handle ??= open(deps.path, 'r'));

  return {
    async timesSeen(password) {
      const started = performance.now();
      try {
        const seen = await search(await file(), sha1(password));
        deps.observe(seen > 0 ? 'found' : 'clean', (performance.now() - started) / 1000);
        return seen;
      } catch (error) {
        const failed = handle;
        handle = null;
        failed?.then((open) => open.close()).catch(() => undefined);
        deps.observe('skipped', (performance.now() - started) / 1000);
        deps.logger.warn(
          { path: deps.path, reason: error instanceof Error ? error.message : 'unknown' },
          'breached-password check skipped: the local Pwned Passwords file could not be read',
        );
        return null;
      }
    },
  };
}

/** How often `hash` appears in the sorted file: the count on its line, 0 when it has none. */
async function search(handle: FileHandle, hash: string): Promise<number> {
  const { size } = await handle.stat();
  let lo = 0;
  let hi = size;
  // Invariant: every line starting before `lo` has a smaller hash; the first line at or after `hi` does not.
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const line = await lineFrom(handle, mid, size);
    if (line !== null && line.hash < hash) lo = line.next;
    else hi = mid;
  }
  const line = await lineFrom(handle, lo, size);
  return line !== null && line.hash === hash ? line.count : 0;
}

const WINDOW = 160;

/** The first whole line that starts at or after `position`, or null past the end. */
async function lineFrom(handle: FileHandle, position: number, size: number) {
  // From one byte before: if that byte ends a line, the line at `position` is whole.
  const from = Math.max(0, position - 1);
  const buffer = Buffer.alloc(WINDOW);
  const { bytesRead } = await handle.read(buffer, 0, WINDOW, from);
  const text = buffer.subarray(0, bytesRead).toString('latin1');
  const start = position === 0 ? 0 : text.indexOf('\n') + 1;
  if (position !== 0 && start === 0) return null;
  const startsAt = from + start;
  if (startsAt >= size) return null;
  const end = text.indexOf('\n', start);
  const raw = (end === -1 ? text.slice(start) : text.slice(start, end)).trim();
  const match = /^([0-9A-Fa-f]{40}):(\d+)$/.exec(raw);
  if (!match) throw new Error(`the file has a line that is not HASH:COUNT near byte ${startsAt}`);
  return { hash: match[1]!.toUpperCase(), count: Number(match[2]), next: from + (end === -1 ? bytesRead : end + 1) };
}
