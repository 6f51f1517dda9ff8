// Runs in a worker thread of the password pool: bcrypt never blocks the event loop.
import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';

// bcrypt reads only 72 bytes; a SHA-256 pre-hash lets every byte of a long password count.
const prehash = (password) => createHash('sha256').update(password, 'utf8').digest('base64');

export default async function run({ op, password, hash, cost }) {
  if (op === 'hash') return bcrypt.hash(prehash(password), cost);
  return bcrypt.compare(prehash(password), hash);
}
