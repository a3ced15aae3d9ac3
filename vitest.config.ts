import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    maxWorkers: 2,
    // A failed property prints its seed and path; rerun with FC_SEED to replay it.
    setupFiles: ['test/helpers/fast-check-setup.ts'],
    // In CI, also a machine-readable report: .ci/run prints its totals as a plain closing line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'reports/vitest.json' }]] : ['default'],
  },
});
