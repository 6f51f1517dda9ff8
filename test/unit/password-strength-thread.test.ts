import { describe, expect, it } from 'vitest';
import { createStrengthMeter } from '../../src/passwords/strength-here.js';
import { startStrengthThread, strengthThread } from '../../src/passwords/strength.js';

const passwords: [string, string[]][] = [
  ['password123', []],
  ['correct horse battery staple', []],
  ['ada-lovelace-1815', ['ada', 'ada@lovelace.example']],
  ['x7#Lq9!mZ2@vR4$kW8^nT1&pY6*sB3(dF5)hJ0_gK2+cV7=mN9', []],
];

describe('the password-strength check on a thread of its own', () => {
  const here = createStrengthMeter();

  it('answers as the check on the calling thread does, the account words counted', async () => {
    const meter = strengthThread();
    for (const [password, words] of passwords) expect(await meter(password, words)).toEqual(here(password, words));
    // One thread per process.
    expect(strengthThread()).toBe(meter);
  });

  it('answers many checks at once, each its own', async () => {
    const meter = strengthThread();
    const answers = await Promise.all(passwords.map(([password, words]) => meter(password, words)));
    expect(answers).toEqual(passwords.map(([password, words]) => here(password, words)));
  });

  it('checks on the calling thread when its thread fails: the checks it had and every later one', async () => {
    const meter = startStrengthThread(new URL('../support/failing-strength-thread.js', import.meta.url));
    const answers = await Promise.all(passwords.map(([password, words]) => meter(password, words)));
    expect(answers).toEqual(passwords.map(([password, words]) => here(password, words)));
    expect(await meter('password123', [])).toEqual(here('password123', []));
  });
});
