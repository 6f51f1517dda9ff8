import { defineConfig } from 'vitest/config';

/**
 * `npm run test:real`: every contract suite and the end-to-end smoke against the servers named by
 * EVENTSTORE_URL, MONGO_URL and REDIS_URL (see test/real/require-servers.ts and the README).
 */
export default defineConfig({
  test: {
    include: ['test/contract/**/*.test.ts', 'test/real/**/*.test.ts'],
    globalSetup: ['test/real/require-servers.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One suite at a time: they share the servers.
    fileParallelism: false,
  },
});
