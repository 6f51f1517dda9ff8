import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: the long-running proof under faults, load and hostile input (crashes
 * at random moments, races, a property-based fuzz of every route). Each scenario is bounded in
 * time, and all traffic stays on 127.0.0.1.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 240_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One scenario at a time: each one loads the machine on purpose.
    fileParallelism: false,
  },
});
