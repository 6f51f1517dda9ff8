import { createHash, randomBytes } from 'node:crypto';

/** A legacy user key: 256 random bits, hex; found at login by its SHA-256. */
export const newUsrKey = () => {
  const key = randomBytes(32).toString('hex');
  return { key, hash: hashUsrKey(key) };
};
export const hashUsrKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');
