import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { createService } from '../src/service.js';

/**
 * `npm run bench:login-timing [-- --rounds 30]`: failed logins for a name that has an account and
 * for one that has none, at the configured bcrypt cost (11 by default), side by side. Both should
 * spend one bcrypt comparison, so their medians should match. Run by hand.
 */
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '30' } } });
const rounds = Number(values.rounds);
const config = loadConfig({
  ...process.env,
  DATA_DIR: mkdtempSync(join(tmpdir(), 'login-timing-')),
  PORT: '0',
  HOST: '127.0.0.1',
  RATE_LIMIT_MAX: '0',
  WORKERS: 'off',
});
const service = await createService(config, { logger: pino({ level: 'silent' }) });
const port = await service.listen();
const post = (body: unknown) =>
  fetch(`http://127.0.0.1:${port}/api/v1/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
await fetch(`http://127.0.0.1:${port}/api/v1/auth/register`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'timed_user', password: 'Timed-pass-123' }),
});

const time = async (username: string) => {
  const started = process.hrtime.bigint();
  const answer = await post({ username, password: 'Wrong-password-1' });
  await answer.text();
  return Number(process.hrtime.bigint() - started) / 1e6;
};
const known: number[] = [];
const unknown: number[] = [];
// Interleaved, and under the lockout (4 failures, then a success resets it; each unknown name is new), so both see the same machine.
for (let i = 0; i < rounds; i += 1) {
  known.push(await time('timed_user'));
  unknown.push(await time(`nobody_${i}`));
  if (i % 4 === 3) await post({ username: 'timed_user', password: 'Timed-pass-123' });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
console.log(`failed logins at BCRYPT_COST=${config.bcryptCost}, ${rounds} each, interleaved`);
console.log('| name | median ms | p90 ms |\n|---|---|---|');
console.log(`| has an account | ${median(known).toFixed(1)} | ${p90(known).toFixed(1)} |`);
console.log(`| has none | ${median(unknown).toFixed(1)} | ${p90(unknown).toFixed(1)} |`);
console.log(`| ratio (none / account) | ${(median(unknown) / median(known)).toFixed(3)} | |`);
await service.close();
