import { parseArgs } from 'node:util';
import bcrypt from 'bcryptjs';
import { createStrengthMeter } from '../src/passwords/strength-here.js';

/**
 * `npm run bench:passwords [-- --rounds 200]`: what the password-strength check (zxcvbn-ts, as
 * `src/passwords/` runs it) costs per password, on the event loop, beside one bcrypt hash at the
 * default cost (11) measured in the same run. Run by hand with nothing else busy.
 */
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '200' } } });
const rounds = Number(values.rounds);

const started = performance.now();
const meter = createStrengthMeter();
const setupMs = performance.now() - started;

const kinds: Record<string, string[]> = {
  'strong (3 words, digits)': ['Violet-harbour-lantern-77', 'Quiet-orchard-compass-31', 'Amber-tundra-whistle-58'],
  'weak (common, sequences)': ['password123', 'qwertyuiop', 'abcabcabc1', 'iloveyou99'],
  'long (64 random characters)': [
    Array.from({ length: 64 }, (_, i) => String.fromCharCode(33 + ((i * 37) % 90))).join(''),
  ],
  'with account words': ['ada.lovelace.1815'],
};
const words = ['ada.lovelace', 'ada@example.test', 'Ada', 'Lovelace'];

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const rows: string[][] = [];
for (const [kind, passwords] of Object.entries(kinds)) {
  const times: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const password = passwords[i % passwords.length]!;
    const t = performance.now();
    meter(password, words);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  rows.push([kind, percentile(times, 0.5).toFixed(2), percentile(times, 0.99).toFixed(2)]);
}
const hashTimes: number[] = [];
for (let i = 0; i < 10; i += 1) {
  const t = performance.now();
  await bcrypt.hash('Violet-harbour-lantern-77', 11);
  hashTimes.push(performance.now() - t);
}
hashTimes.sort((a, b) => a - b);
const bcryptMs = percentile(hashTimes, 0.5);

console.log(
  `password strength (zxcvbn-ts), ${rounds} checks per kind; dictionaries ranked once at start: ${setupMs.toFixed(0)} ms`,
);
console.log('| passwords | median ms | p99 ms | median vs one bcrypt hash (cost 11) |');
console.log('|---|---|---|---|');
for (const [kind, median, p99] of rows)
  console.log(`| ${kind} | ${median} | ${p99} | ${(Number(median) / bcryptMs).toFixed(2)} |`);
console.log(`one bcrypt hash, cost 11 (bcryptjs, median of 10): ${bcryptMs.toFixed(1)} ms`);
