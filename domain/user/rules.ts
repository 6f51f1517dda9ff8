/** Pure rules about names and passwords, shared by every command that takes them. */

export const USERNAME_PATTERN = /^[a-z0-9_.-]{3,32}$/i;

/** Usernames compare case-insensitively; the claim and lookups use this form. */
export const normalizeUsername = (username: string) => username.toLowerCase();

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

const COMMON_PASSWORDS = new Set([
  'password',
  'password1',
  'password12',
  'password123',
  'passw0rd',
  'p@ssw0rd',
  'p@ssword',
  '12345678',
  '123456789',
  '1234567890',
  '0123456789',
  '87654321',
  '11111111',
  '00000000',
  'qwertyui',
  'qwerty123',
  'qwertyuiop',
  'asdfghjk',
  'asdfghjkl',
  'zxcvbnm1',
  'iloveyou',
  'iloveyou1',
  'sunshine',
  'princess',
  'football',
  'baseball',
  'welcome1',
  'welcome123',
  'letmein1',
  'letmein123',
  'admin123',
  'administrator',
  'changeme',
  'changeme1',
  'trustno1',
  'superman',
  'batman123',
  'monkey123',
  'dragon123',
  'abc12345',
  'abcd1234',
  'abcdefgh',
  '1q2w3e4r',
  '1qaz2wsx',
  'qazwsxedc',
  'master123',
  'starwars',
  'whatever',
  'secret123',
  'computer',
  'internet',
  'michael1',
  'jennifer',
  'shadow12',
  'mustang1',
  'access14',
]);

const isSequence = (value: string) => {
  const codes = [...value].map((c) => c.codePointAt(0)!);
  const step = codes[1]! - codes[0]!;
  return Math.abs(step) <= 1 && codes.every((c, i) => i === 0 || c - codes[i - 1]! === step);
};

/** Why a password is too weak, or null when it is acceptable. Lengths are checked by the schema. */
export const passwordWeakness = (password: string, username?: string | null): string | null => {
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return 'This password is one of the most common ones';
  if (new Set(lower).size <= 2) return 'This password repeats too few characters';
  if (isSequence(lower)) return 'This password is a simple sequence';
  if (username && lower.includes(username.toLowerCase())) return 'This password contains the username';
  return null;
};
