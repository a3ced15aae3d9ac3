// A process that renews a cached login through renewOnce over the file store, for
// test/session/renew-once.test.ts (bundled by esbuild, run with node). Arguments: the cache folder, the
// base URL, the project, and a log file that gets one line per renewal. It says "ready" once it has read
// the cache, and renews when its stdin says "go", so that the test starts every process's race together.
import { appendFileSync } from 'node:fs';
import { isFresh } from '../../machines/shared/freshness.js';
import { renewOnce } from '../../src/session/renew-once.js';
import { createFileCredentials, fileCredentialKey } from '../../src/stores/file-credential-store.js';
import { createFileTokenStore } from '../../src/stores/file-token-store.js';

const [dir = '', baseUrl = '', project = '', log = ''] = process.argv.slice(2);
const { store, lock } = createFileCredentials(createFileTokenStore(dir));
const key = fileCredentialKey({ baseUrl, project });
const seen = await store.read(key);
if (seen?.credential.kind !== 'oidc') throw new Error('the cache holds no OIDC login');
const current = seen.credential;
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
const result = await renewOnce({
  store,
  lock,
  key,
  current,
  isUsable: (entry) => entry.kind === 'oidc' && isFresh(entry.tokens, Date.now()),
  async renew(entry) {
    if (entry.kind !== 'oidc') throw new Error('not an OIDC login');
    appendFileSync(log, `${process.pid} ${entry.tokens.refreshToken}\n`);
    // Long enough that the other processes are surely waiting for the lock meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const tokens = { ...entry.tokens, accessToken: `at-${process.pid}`, refreshToken: `rt-${process.pid}` };
    return { ...entry, tokens: { ...tokens, expiresAt: Date.now() + 3_600_000 } };
  },
  waitMs: 30_000,
});
const token = result.credential.kind === 'oidc' ? result.credential.tokens.accessToken : '';
process.stdout.write(`${JSON.stringify({ outcome: result.outcome, accessToken: token })}\n`);
process.exit(0);
