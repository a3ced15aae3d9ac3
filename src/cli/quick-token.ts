/**
 * `cdf-auth token` alone, on a fresh OpenID Connect token: answered from the cache file before the CLI
 * loads (`$(cdf-auth token)` runs once per call in scripts). Anything else is left to the full CLI.
 */
import { createFileTokenStore, defaultCacheDir } from '../stores/file-token-store.js';
import { tokenAsIs } from './cached-login.js';

/**
 * The line `cdf-auth token` prints for `argv`, when it is `token` alone and the current login holds an
 * OpenID Connect access token that `tokenAsIs` hands out as it is; `undefined` for everything else
 * (flags, no login, a stale token, a cache the store refuses), which the full CLI then handles, with its
 * messages, from the start.
 */
export async function quickToken(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (argv.length !== 1 || argv[0] !== 'token') return undefined;
  try {
    const store = createFileTokenStore(defaultCacheDir(env));
    const login = await store.readCurrent();
    const entry = login ? await store.read(login) : null;
    const token = entry ? tokenAsIs(entry) : undefined;
    return token === undefined ? undefined : `${token}\n`;
  } catch {
    return undefined;
  }
}
