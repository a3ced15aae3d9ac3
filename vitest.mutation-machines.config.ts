import { defineConfig } from 'vitest/config';

// What Stryker runs against each mutant of machines/: the machine tests, with fewer property cases
// (FC_NUM_RUNS) so that a run fits the 30-minute budget on two cores.
export default defineConfig({
  test: {
    include: ['test/machines/**/*.test.ts'],
    setupFiles: ['test/helpers/fast-check-setup.ts'],
    env: { FC_NUM_RUNS: '25' },
    // One module graph for all files: each mutant run then pays the imports once.
    pool: 'threads',
    isolate: false,
    fileParallelism: false,
  },
});
