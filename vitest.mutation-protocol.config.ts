import { defineConfig } from 'vitest/config';

// What Stryker runs against each mutant of src/protocol/: the protocol tests on real loopback servers and
// the fast end-to-end flows against the emulator (the 10,000-case fuzzers and the slow OIDC end-to-end
// suite, with its 5 s device polls, run in npm test, not per mutant).
export default defineConfig({
  test: {
    include: [
      'test/protocol/**/*.test.ts',
      'test/e2e/login-url.e2e.test.ts',
      'test/e2e/api-key.e2e.test.ts',
      'test/e2e/oidc-negative.e2e.test.ts',
    ],
    exclude: ['test/protocol/fuzz.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    setupFiles: ['test/helpers/fast-check-setup.ts'],
    env: { FC_NUM_RUNS: '25' },
  },
});
