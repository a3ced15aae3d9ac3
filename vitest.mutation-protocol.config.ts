import { defineConfig } from 'vitest/config';

// What Stryker runs against each mutant of src/protocol/: the protocol tests on real loopback servers
// (the 10,000-case fuzzers run in npm test, not per mutant).
export default defineConfig({
  test: {
    include: ['test/protocol/**/*.test.ts'],
    exclude: ['test/protocol/fuzz.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    setupFiles: ['test/helpers/fast-check-setup.ts'],
    env: { FC_NUM_RUNS: '25' },
  },
});
