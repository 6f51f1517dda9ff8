import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../domain/shared/errors.js';
import { createPasswordPolicy, type PasswordRefusal } from '../../src/passwords/policy.js';
import { strengthThread } from '../../src/passwords/strength.js';

const meter = strengthThread();

/** The refusal a policy gives, or null when the password passes. */
const refusal = async (run: Promise<void>) => {
  try {
    await run;
    return null;
  } catch (error) {
    if (!isDomainError(error)) throw error;
    return { code: error.code, detail: error.message, issues: error.issues };
  }
};

describe('the password policy (zxcvbn-ts, then breaches)', () => {
  const refused: PasswordRefusal[] = [];
  const policy = (options: { minScore?: number; seen?: number | null } = {}) =>
    createPasswordPolicy({
      minScore: options.minScore ?? 3,
      meter,
      breaches: options.seen === undefined ? null : { timesSeen: async () => options.seen ?? null },
      minBreachCount: 2,
      refused: (reason) => refused.push(reason),
    });

  it.each(['password123', 'Password123', 'aaaaaaaaaa', 'abcdefghij', '9876543210', 'qwertyuiop', 'iloveyou1'])(
    "refuses %s as too weak, with the library's warning and suggestions as issues",
    async (password) => {
      const answer = await refusal(policy()(password, [], 'password'));
      expect(answer?.code).toBe('password_too_weak');
      expect(answer?.issues?.length).toBeGreaterThan(0);
      expect(answer?.issues?.every((issue) => issue.path === 'password' && issue.message.length > 0)).toBe(true);
    },
  );

  it.each(['correct horse battery staple', 'Sturdy-pass-2026-quill', 'x7#Lq9!mZ2@v'])(
    'accepts %s',
    async (password) => {
      expect(await refusal(policy()(password, ['lovelace'], 'password'))).toBeNull();
    },
  );

  it("counts the account's own username, address and names as known words", async () => {
    const password = 'ada.lovelace.1815';
    expect(await refusal(policy()(password, [], 'password'))).toBeNull();
    const answer = await refusal(
      policy()(password, ['ada.lovelace', 'ada@example.test', 'Ada', 'Lovelace'], 'new_password'),
    );
    expect(answer?.code).toBe('password_too_weak');
    expect(answer?.issues?.[0]?.path).toBe('new_password');
  });

  it('PASSWORD_MIN_SCORE sets the bar (0 lets anything of valid length through)', async () => {
    expect(await refusal(policy({ minScore: 0 })('password123', [], 'password'))).toBeNull();
    expect((await refusal(policy({ minScore: 4 })('Secret-pass-1', [], 'password')))?.code).toBe('password_too_weak');
  });

  it('refuses a strong password seen PWNED_MIN_COUNT times or more; one seen less, or a skipped check, passes', async () => {
    refused.length = 0;
    expect((await refusal(policy({ seen: 2 })('Sturdy-pass-2026-quill', [], 'password')))?.code).toBe(
      'password_breached',
    );
    expect(await refusal(policy({ seen: 1 })('Sturdy-pass-2026-quill', [], 'password'))).toBeNull();
    expect(await refusal(policy({ seen: null })('Sturdy-pass-2026-quill', [], 'password'))).toBeNull();
    await refusal(policy({ seen: 5 })('password123', [], 'password'));
    expect(refused).toEqual(['breached', 'weak']);
  });
});
