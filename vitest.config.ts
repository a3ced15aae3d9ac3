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

// Tests that start a real redis-server, and the model check that needs spin: left out the same way.
const REDIS_TESTS = ['test/stores/redis.test.ts', 'test/server/fleet.test.ts', 'test/server/server-on-redis.test.ts'];
const withoutRedis = !existsSync('/usr/bin/redis-server') && !process.env.CI;
if (withoutRedis) {
  console.warn(
    `cdf-authflow: /usr/bin/redis-server is missing, so ${REDIS_TESTS.join(', ')} are skipped (apt-get install redis-server to run them).`,
  );
}
const withoutSpin = !existsSync('/usr/bin/spin') && !process.env.CI;
if (withoutSpin) {
  console.warn('cdf-authflow: /usr/bin/spin is missing, so test/model/ is skipped (apt-get install spin to run it).');
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [
      ...configDefaults.exclude,
      ...(withoutBrowser ? ['test/browser/**'] : []),
      ...(withoutGlewlwyd ? ['test/independent-op/**'] : []),
      ...(withoutRedis ? REDIS_TESTS : []),
      ...(withoutSpin ? ['test/model/**'] : []),
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
