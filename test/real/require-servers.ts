/**
 * `npm run test:real` runs only where the real servers are: it refuses to start without their
 * URLs, instead of passing on the embedded adapters alone.
 */
import { execFileSync } from 'node:child_process';

const NEEDED = ['EVENTSTORE_URL', 'MONGO_URL', 'REDIS_URL'] as const;

export default function setup() {
  const missing = NEEDED.filter((name) => !process.env[name]);
  if (missing.length > 0)
    throw new Error(
      `npm run test:real needs ${missing.join(', ')}. Bring the servers up with ` +
        '`docker compose up -d eventstore mongo redis` and run it as the README says ("Proving it on the real servers").',
    );
  // The smoke test runs the operator CLI as a child process: the compiled code, fresh.
  execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
