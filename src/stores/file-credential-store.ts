/**
 * The CLI's token cache as a {@link CredentialStore} and its inter-process lock as a {@link RenewLock}, so
 * that `renewOnce` renews a cached login once across every process sharing the cache folder. The files
 * keep the guarantees of {@link createFileTokenStore}: written atomically, mode 0600, never through a
 * symlink. The lock is the one `cdf-auth` has always taken on an entry (proper-lockfile), so that a
 * process of this version and one of the last exclude each other.
 */
import { createHash } from 'node:crypto';
import type { TokenSet } from '../../machines/shared/tokens.js';
import type { CredentialStore, RenewLock, Versioned, WriteResult } from '../session/credential-store.js';
import {
  type CacheEntry,
  type CurrentLogin,
  createFileTokenStore,
  sameLogin,
  type TokenStore,
} from './file-token-store.js';

/** A store and a lock over one token cache; they know of each other (see {@link createFileCredentials}). */
export interface FileCredentials {
  /** The cache entries, keyed by {@link fileCredentialKey}; a version is a hash of the entry's content. */
  readonly store: CredentialStore<CacheEntry>;
  /** The entries' inter-process lock. */
  readonly lock: RenewLock;
}

/** The key of a login's entry in a {@link FileCredentials} store. */
export function fileCredentialKey(login: CurrentLogin): string {
  return JSON.stringify([login.baseUrl, login.project]);
}

/**
 * A {@link FileCredentials} over `tokens` (by default the cache in the user's config folder).
 *
 * Versions are the sha256 of the entry's JSON: tokens never recur, so neither does a version a reader
 * may still hold. A compare-and-set write compares and writes under the entry's lock. The lock is not
 * re-entrant (a second `lock()` of the same file waits for the first), so a write made under the lock
 * this process holds (its `fence` says so) compares and writes at once instead of taking it again.
 *
 * The lock's lease is proper-lockfile's: a live holder keeps it fresh every 2 s, and a holder that stops
 * doing so (a crashed or frozen process) loses it after 10 s; `ttlMs` is not used. Files have no channel
 * to subscribe to: a process that waits learns of a new entry by the lock and a re-read.
 */
export function createFileCredentials(tokens: TokenStore = createFileTokenStore()): FileCredentials {
  const held: { readonly login: CurrentLogin; readonly fence: number }[] = [];
  let fences = 0;
  const read = async (key: string): Promise<Versioned<CacheEntry> | null> => {
    const entry = await tokens.read(loginOf(key));
    return entry ? { credential: entry, version: versionOf(entry) } : null;
  };
  const compareAndSet = async (key: string, entry: CacheEntry, expected: string | null): Promise<WriteResult> => {
    if (((await read(key))?.version ?? null) !== expected) return { status: 'conflict' };
    await tokens.write(entry);
    return { status: 'written', version: versionOf(entry) };
  };
  const store: CredentialStore<CacheEntry> = {
    read: (key) => read(key),
    async write(key, entry, expected, options = {}) {
      const login = loginOf(key);
      if (!sameLogin(login, entry)) {
        throw new TypeError(`The entry for ${entry.baseUrl} (${entry.project}) was written under the key ${key}.`);
      }
      const holding = held.find((h) => sameLogin(h.login, login));
      if (options.fence !== undefined && holding?.fence === options.fence) return compareAndSet(key, entry, expected);
      return tokens.withLock(login, () => compareAndSet(key, entry, expected), {
        ...(options.signal ? { signal: options.signal } : {}),
      });
    },
    remove: (key) => tokens.remove(loginOf(key)),
  };
  const lock: RenewLock = {
    withLock(key, fn, options) {
      const login = loginOf(key);
      const run = async () => {
        const mine = { login, fence: ++fences };
        held.push(mine);
        try {
          return await fn(mine.fence);
        } finally {
          held.splice(held.indexOf(mine), 1);
        }
      };
      return tokens.withLock(login, run, {
        ...(options.signal ? { signal: options.signal } : {}),
        timeoutMs: options.waitMs,
      });
    },
  };
  return { store, lock };
}

/** The version of an entry: the sha256 of its JSON, the same for the entry written and the entry read back. */
const versionOf = (entry: CacheEntry) => createHash('sha256').update(JSON.stringify(entry)).digest('hex');

/** The login a {@link fileCredentialKey} names; a key made otherwise is a `TypeError`. */
function loginOf(key: string): CurrentLogin {
  let value: unknown;
  try {
    value = JSON.parse(key);
  } catch {}
  const [baseUrl, project, ...rest] = Array.isArray(value) ? (value as unknown[]) : [];
  if (typeof baseUrl !== 'string' || typeof project !== 'string' || rest.length > 0) {
    throw new TypeError(`"${key}" is not a key of the file credential store; make it with fileCredentialKey().`);
  }
  return { baseUrl, project };
}

/**
 * The tokens of the OIDC entries of `entries`, as a store of `TokenSet`s: what a session shares. An entry
 * keeps what renews it (issuer, client, scope); a renewal replaces only its tokens, at the entry's
 * version, so the compare-and-set of `entries` still decides. A key whose entry is not an OIDC login
 * holds no tokens (`null`), and a write there is a `conflict`: tokens alone make no login.
 */
export function oidcTokensOf(entries: CredentialStore<CacheEntry>): CredentialStore<TokenSet> {
  const tokensOf = (held: Versioned<CacheEntry> | null): Versioned<TokenSet> | null =>
    held?.credential.kind === 'oidc' ? { credential: held.credential.tokens, version: held.version } : null;
  return {
    read: async (key, options) => tokensOf(await entries.read(key, options)),
    async write(key, tokens, expected, options) {
      const held = await entries.read(key, options);
      if (held?.credential.kind !== 'oidc') return { status: 'conflict' };
      return entries.write(key, { ...held.credential, tokens }, expected, options);
    },
    remove: (key, options) => entries.remove(key, options),
  };
}
