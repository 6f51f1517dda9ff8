import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The long fault scenarios run with `npm run test:faults` (vitest.faults.config.ts), the
    // real-server smoke with `npm run test:real` (vitest.real.config.ts).
    exclude: ['test/faults/**', 'test/real/**', '**/node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
