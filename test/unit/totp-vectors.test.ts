import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { checkTotp } from '../../src/accounts/second-factor.js';

/** RFC 6238, appendix B: SHA-1 with the ASCII secret "12345678901234567890", 8 digits, 30 s steps. */
const VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];
const secret = new TextEncoder().encode('12345678901234567890');

describe('TOTP against the RFC 6238 test vectors', () => {
  it.each(VECTORS)('at %i s the code is %s', async (epoch, code) => {
    expect(await generate({ secret, digits: 8, epoch })).toBe(code);
  });

  it('accepts ±1 step and refuses two steps away and a repeated step', async () => {
    const base32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // the same secret in base32
    const now = new Date(1234567890 * 1000);
    const step = Math.floor(1234567890 / 30);
    for (const offset of [-1, 0, 1]) {
      const code = await generate({ secret: base32, epoch: 1234567890 + offset * 30 });
      expect(await checkTotp(base32, code, now, null)).toEqual({ valid: true, timeStep: step + offset });
    }
    const far = await generate({ secret: base32, epoch: 1234567890 + 60 });
    expect((await checkTotp(base32, far, now, null)).valid).toBe(false);
    const current = await generate({ secret: base32, epoch: 1234567890 });
    expect((await checkTotp(base32, current, now, step)).valid).toBe(false);
  });
});
