/**
 * `npm run test:real` runs only where the real servers are: it refuses to start without their
 * URLs, instead of passing on the embedded adapters alone.
 */
import { execFileSync } from 'node:child_process';
import { redisAvailable } from '../support/redis.js';

const NEEDED = ['EVENTSTORE_URL', 'MONGO_URL', 'REDIS_URL'] as const;

export default function setup() {
  const missing = NEEDED.filter((name) => !process.env[name]);
  if (missing.length > 0)
    throw new Error(
      `npm run test:real needs ${missing.join(', ')}. Bring the servers up with ` +
        '`docker compose up -d eventstore mongo redis` and run it as the README says ("Proving it on the real servers").',
    );
  // The job-queue contract and the no-personal-data scan start their own redis-server (they stop
  // and kill it): here they must run, not be skipped.
  if (!redisAvailable)
    throw new Error(
      'npm run test:real needs redis-server on PATH too (apt-get install redis-server): the queue suites start their own.',
    );
  // The smoke test runs the operator CLI as a child process: the compiled code, fresh.
  execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
