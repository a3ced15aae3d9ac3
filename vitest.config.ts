import { existsSync } from 'node:fs';
import { configDefaults, defineConfig } from 'vitest/config';

// The browser tests need Debian's Chromium. On a developer's machine without it they are left out, with a
// line saying so; in CI (CI=true) they always run, so a missing browser fails the run.
const withoutBrowser = !existsSync('/usr/bin/chromium') && !process.env.CI;
if (withoutBrowser) {
  console.warn(
    'cdf-authflow: /usr/bin/chromium is missing, so test/browser/ is skipped (apt-get install chromium to run it).',
  );
}

// The independent OpenID provider (Debian's glewlwyd, with Chromium for the person): left out the same way.
const withoutGlewlwyd = (!existsSync('/usr/bin/glewlwyd') || withoutBrowser) && !process.env.CI;
if (withoutGlewlwyd) {
  console.warn(
    'cdf-authflow: /usr/bin/glewlwyd or chromium is missing, so test/independent-op/ is skipped (apt-get install glewlwyd chromium to run it).',
  );
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [
      ...configDefaults.exclude,
      ...(withoutBrowser ? ['test/browser/**'] : []),
      ...(withoutGlewlwyd ? ['test/independent-op/**'] : []),
    ],
    // Generous: the suite must hold on a busy 2-core machine (two runs at once); nothing asserts time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    // A failed property prints its seed and path; rerun with FC_SEED to replay it.
    setupFiles: ['test/helpers/fast-check-setup.ts'],
    // In CI, also a machine-readable report: .ci/run prints its totals as a plain closing line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'reports/vitest.json' }]] : ['default'],
  },
});
