import { describe, expect, it } from 'vitest';
import { normalizeEmail, normalizeUsername, passwordWeakness } from '../../domain/user/rules.js';

describe('name and password rules', () => {
  it('usernames compare case-insensitively and emails are trimmed and lower-cased', () => {
    expect(normalizeUsername('Ada.Lovelace')).toBe('ada.lovelace');
    expect(normalizeEmail('  Ada@Example.TEST ')).toBe('ada@example.test');
  });
  it.each([
    ['password123', 'common'],
    ['Password123', 'common'],
    ['aaaaaaaaaa', 'repeats'],
    ['abababababab', 'repeats'],
    ['abcdefghij', 'sequence'],
    ['9876543210', 'sequence'],
    ['ada-lovelace-1', 'contains the username'],
  ])('refuses %s (%s)', (password) => {
    expect(passwordWeakness(password, 'lovelace')).not.toBeNull();
  });
  it.each(['correct horse battery', 'Sturdy-pass-2026', 'x7#Lq9!m'])('accepts %s', (password) => {
    expect(passwordWeakness(password, 'lovelace')).toBeNull();
  });
});
