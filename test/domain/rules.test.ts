import { describe, expect, it } from 'vitest';
import { normalizeEmail, normalizeUsername } from '../../domain/user/rules.js';

describe('name rules', () => {
  it('usernames compare case-insensitively and emails are trimmed and lower-cased', () => {
    expect(normalizeUsername('Ada.Lovelace')).toBe('ada.lovelace');
    expect(normalizeEmail('  Ada@Example.TEST ')).toBe('ada@example.test');
  });
});
