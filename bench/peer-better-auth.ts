import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import express from 'express';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';

/**
 * The peer of `npm run bench -- peer`: better-auth with email and password, its SQLite set-up
 * (better-sqlite3, WAL, tables made by its own migrations) mounted on express 5, as its docs show.
 * Its own defaults otherwise (scrypt hashing, a session row read on every get-session); its rate
 * limiter off, as ours is in the bench (RATE_LIMIT_MAX=0); its CSRF and origin checks off, as
 * autocannon is no browser (they would refuse Node's fetch, which sends Sec-Fetch headers, on the
 * sign-ups made first); telemetry off.
 */
const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'better-auth-'));
const db = new Database(join(dir, 'better-auth.db'));
db.pragma('journal_mode = WAL');
const options = {
  database: db,
  baseURL: 'http://127.0.0.1',
  secret: 'bench-secret-bench-secret-bench-secret-0123456789',
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  advanced: { disableCSRFCheck: true, disableOriginCheck: true },
};
const { runMigrations } = await getMigrations(options);
await runMigrations();
const auth = betterAuth(options);

const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.set('query parser', 'simple');
app.all('/api/auth/{*any}', toNodeHandler(auth));

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ msg: 'listening', port: typeof address === 'object' && address ? address.port : 0 }));
});
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
