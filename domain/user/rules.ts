/** Pure rules about names, shared by every command that takes them (passwords: src/passwords/). */

export const USERNAME_PATTERN = /^[a-z0-9_.-]{3,32}$/i;

/** Usernames compare case-insensitively; the claim and lookups use this form. */
export const normalizeUsername = (username: string) => username.toLowerCase();

export const normalizeEmail = (email: string) => email.trim().toLowerCase();
