/**
 * The CLI's token cache: one JSON file per base URL and project in the user's config directory,
 * mode 0600 in a folder of mode 0700, written atomically (temp file, fsync, rename), so that a crash
 * never leaves half a file and no other user can read it. A symlink where a cache file should be is
 * refused, never written through. Processes that share the cache refresh under a lock on the entry.
 */
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import envPaths from 'env-paths';
import type { IdClaims, TokenSet } from '../../machines/shared/tokens.js';
import { FORMER_FLOW_NAMES, OIDC_FLOW_NAMES, type OidcFlowName } from '../config/settings.js';
import { AuthFlowError } from '../errors/auth-flow-error.js';

/** A cached legacy login-URL session. The tokens are secrets. */
export interface CachedLoginUrlSession {
  /** The format's version. */
  readonly v: 1;
  /** A login-URL session. */
  readonly kind: 'login-url';
  /** The cluster's base URL. */
  readonly baseUrl: string;
  /** The project. */
  readonly project: string;
  /** Who signed in. */
  readonly user: string;
  /** The project's numeric id. */
  readonly projectId: number;
  /** The legacy access token. Secret. */
  readonly accessToken: string;
  /** The legacy ID token. Secret. */
  readonly idToken: string;
  /** ms since epoch, or `null` when the token did not say. */
  readonly expiresAt: number | null;
}

/** A remembered API-key login: the name of the variable that holds the key, never the key. */
export interface CachedApiKeyLogin {
  /** The format's version. */
  readonly v: 1;
  /** An API-key login. */
  readonly kind: 'api-key';
  /** The cluster's base URL. */
  readonly baseUrl: string;
  /** The key's project. */
  readonly project: string;
  /** The key's service account. */
  readonly user: string;
  /** The name of the variable that holds the key. */
  readonly apiKeyEnv: string;
}

/** A remembered bearer-token login (`LOGIN_FLOW=token`): the name of the variable that holds the token, never the token. */
export interface CachedTokenLogin {
  /** The format's version. */
  readonly v: 1;
  /** A bearer token obtained elsewhere. */
  readonly kind: 'token';
  /** The cluster's base URL. */
  readonly baseUrl: string;
  /** The project asked for, or `''`. */
  readonly project: string;
  /** The token's subject, as CDF's token/inspect said. */
  readonly user: string;
  /** The name of the variable that holds the token (`CDF_TOKEN`). */
  readonly tokenEnv: string;
}

/** A cached OpenID Connect login. The tokens are secrets; a client secret is never stored, only its variable's name. */
export interface CachedOidcLogin {
  /** The format's version. */
  readonly v: 1;
  /** An OpenID Connect login. */
  readonly kind: 'oidc';
  /**
   * The flow that signed in (and that signs in again when the refresh token is gone). An entry of an
   * earlier version says `code` or `device`: it is read as `authorization-code` or `device-code`.
   */
  readonly flow: OidcFlowName;
  /** The cluster's base URL. */
  readonly baseUrl: string;
  /** The project asked for, or `''`. */
  readonly project: string;
  /** The token's subject, as CDF's token/inspect said. */
  readonly user: string;
  /** The issuer. */
  readonly issuer: string;
  /** The client id at the IdP. */
  readonly clientId: string;
  /** The scopes asked for. */
  readonly scope: string;
  /** For client credentials: the name of the variable that holds the secret. */
  readonly clientSecretEnv?: string;
  /** The env file (absolute path) that variable came from at sign-in, read again to renew: never the secret. */
  readonly clientSecretEnvFile?: string;
  /** An RFC 8707 resource sent with the token requests. */
  readonly resource?: string;
  /** How the client secret is sent, where it was forced (`--client-auth`). */
  readonly clientAuth?: 'basic' | 'post';
  /** The token endpoint used without discovery (`IDP_TOKEN_URL` of an IdP with no issuer named). */
  readonly tokenEndpoint?: string;
  /** Which IdP preset signed in (`cogidp`, `entra`, ...), for `status` to name it. */
  readonly provider?: string;
  /** Extra parameters of the token requests (Auth0's `audience`); never a secret. */
  readonly tokenParams?: Readonly<Record<string, string>>;
  /** The tokens. Secret. */
  readonly tokens: TokenSet;
  /** The ID token's `iss`, `sub` and `aud`, where there was one. */
  readonly claims: Pick<IdClaims, 'iss' | 'sub' | 'aud'> | null;
}

/** What the cache holds for one base URL and project. */
export type CacheEntry = CachedLoginUrlSession | CachedApiKeyLogin | CachedTokenLogin | CachedOidcLogin;

/** Which login `cdf-auth token` and friends use when none is named. */
export interface CurrentLogin {
  /** The cluster's base URL. */
  readonly baseUrl: string;
  /** The project, or `''`. */
  readonly project: string;
}

/** A token cache. */
export interface TokenStore {
  /** The directory the files live in. */
  readonly dir: string;
  /** The entry for a base URL and project, `null` when there is none; `cacheCorrupt`/`cacheUnsafe` otherwise. */
  read(login: CurrentLogin): Promise<CacheEntry | null>;
  /** Writes the entry (atomically, mode 0600) and makes it the current login. */
  write(entry: CacheEntry): Promise<void>;
  /** Removes the entry, also a corrupt one, and `current.json` when it names it. */
  remove(login: CurrentLogin): Promise<void>;
  /** The current login (the last one written), `null` when there is none. */
  readCurrent(): Promise<CurrentLogin | null>;
  /** Forgets which login is current (removes `current.json`, also an unreadable one); the logins stay. */
  forgetCurrent(): Promise<void>;
  /** Every readable entry (corrupt ones are left out), for choosing by base URL and for listing. */
  list(): Promise<CacheEntry[]>;
  /** The token files that cannot be read as an entry (corrupt, or not a plain file), for `logins` to show. */
  unreadable(): Promise<string[]>;
  /** Makes a cached login the current one (`cdf-auth switch`); `notLoggedIn` when it is not cached. */
  makeCurrent(login: CurrentLogin): Promise<void>;
  /**
   * Fails with `cacheUnsafe` when the entry could not be written (a folder or a symlink where its file
   * or `current.json` should be): called before a sign-in, so fresh tokens are never lost.
   */
  assertWritable(login: CurrentLogin): Promise<void>;
  /**
   * Holds the entry's inter-process lock while `run` runs (stale locks, of a crashed process, are taken
   * over after 10 s). Waits at most `timeoutMs`; `signal` ends the wait with `cancelled`.
   */
  withLock<T>(
    login: CurrentLogin,
    run: () => Promise<T>,
    options?: { readonly signal?: AbortSignal; readonly timeoutMs?: number },
  ): Promise<T>;
}

/**
 * The default directory: `$CDF_AUTHFLOW_HOME` when set, else the platform's config directory
 * (`~/.config/cdf-authflow` on Linux).
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CDF_AUTHFLOW_HOME || envPaths('cdf-authflow', { suffix: '' }).config;
}

/** Creates a file-backed {@link TokenStore} in `dir`. */
export function createFileTokenStore(dir: string = defaultCacheDir()): TokenStore {
  const fileOf = (login: CurrentLogin) => path.join(dir, tokenFileName(login));
  const currentFile = path.join(dir, 'current.json');
  const ensureDir = () => ensureFolder(dir);
  const save = async (file: string, value: unknown) => {
    await ensureDir();
    await assertPlainFileOrNothing(file);
    // Loaded on the first write or lock: a process that only reads the cache (`cdf-auth token`) needs neither.
    const { default: writeFileAtomic } = await import('write-file-atomic');
    await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  };
  return {
    dir,
    async read(login) {
      const file = fileOf(login);
      const text = await loadFile(file);
      if (text === null) return null;
      const entry = parseEntry(text);
      if (!entry) {
        throw new AuthFlowError({
          code: 'cacheCorrupt',
          message: `The token cache ${file} is unreadable; it was left as it is. Run "cdf-auth logout" to remove it, or sign in again.`,
        });
      }
      return entry;
    },
    async write(entry) {
      await save(fileOf(entry), entry);
      await save(currentFile, { baseUrl: normalise(entry.baseUrl), project: entry.project });
    },
    async remove(login) {
      const file = fileOf(login);
      const info = await lstat(file).catch(() => null);
      // A link is removed itself (rm does not follow it); a folder in its place is the person's to look at.
      if (info?.isDirectory()) throw unsafe(file, 'is a folder, not a token file; remove it by hand');
      await rm(file, { force: true });
      const current = await this.readCurrent().catch(() => null);
      if (current && normalise(current.baseUrl) === normalise(login.baseUrl) && current.project === login.project) {
        await rm(currentFile, { force: true });
      }
    },
    async readCurrent() {
      const text = await loadFile(currentFile);
      if (text === null) return null;
      try {
        const value = JSON.parse(text) as Partial<CurrentLogin>;
        if (typeof value.baseUrl === 'string' && typeof value.project === 'string') {
          return { baseUrl: value.baseUrl, project: value.project };
        }
      } catch {}
      throw new AuthFlowError({
        code: 'cacheCorrupt',
        message: `${currentFile} is unreadable; name --base-url and --project, or sign in again.`,
      });
    },
    async forgetCurrent() {
      const info = await lstat(currentFile).catch(() => null);
      if (info?.isDirectory()) throw unsafe(currentFile, 'is a folder, not a file; remove it by hand');
      await rm(currentFile, { force: true });
    },
    list: async () => (await scanEntries(dir)).entries,
    unreadable: async () => (await scanEntries(dir)).unreadable,
    async makeCurrent(login) {
      if (!(await this.read(login))) throw notCached(login);
      await save(currentFile, { baseUrl: normalise(login.baseUrl), project: login.project });
    },
    async assertWritable(login) {
      await ensureDir();
      await assertPlainFileOrNothing(fileOf(login));
      await assertPlainFileOrNothing(currentFile);
    },
    async withLock(login, run, lockOptions = {}) {
      await ensureDir();
      return withFileLock(fileOf(login), run, lockOptions);
    },
  };
}

/** Creates the folder (0700) or narrows a wider one; a non-folder there is `cacheUnsafe`. */
async function ensureFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await lstat(dir);
  if (!info.isDirectory()) throw unsafe(dir, 'is not a folder');
  // A folder others can read or enter exposes the token files: narrow it (docs/security.md §2.3).
  if ((info.mode & 0o077) !== 0) await chmod(dir, 0o700);
}

/** A cache file's text, `null` when absent; a file wider than 0600 is narrowed. */
async function loadFile(file: string): Promise<string | null> {
  if ((await assertPlainFileOrNothing(file)) === 'absent') return null;
  const text = await readIfExists(file);
  const info = await lstat(file).catch(() => null);
  if (info && (info.mode & 0o077) !== 0) await chmod(file, 0o600);
  return text;
}

/**
 * True when `a` and `b` name the same cache entry (the same file): base URLs compared without a
 * trailing slash, projects without regard to case, as the file name is made.
 */
export function sameLogin(a: CurrentLogin, b: CurrentLogin): boolean {
  return tokenFileName(a) === tokenFileName(b);
}

/** The file name of a login's entry: a hash of its normalised base URL and project. */
const tokenFileName = (login: CurrentLogin) =>
  `tokens-${createHash('sha256')
    .update(`${normalise(login.baseUrl)}\n${login.project.toLowerCase()}`)
    .digest('hex')
    .slice(0, 24)}.json`;

/** `notLoggedIn` for a login the cache does not hold. */
const notCached = (login: CurrentLogin) =>
  new AuthFlowError({
    code: 'notLoggedIn',
    message: `No login is cached for ${login.project || '(no project)'} at ${login.baseUrl}; run "cdf-auth login" for it.`,
  });

/** The readable entries of the folder, and the paths of the token files that are not. */
async function scanEntries(dir: string): Promise<{ entries: CacheEntry[]; unreadable: string[] }> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const entries: CacheEntry[] = [];
  const unreadable: string[] = [];
  for (const name of names.filter((n) => /^tokens-[0-9a-f]{24}\.json$/.test(n)).sort()) {
    const file = path.join(dir, name);
    const info = await lstat(file).catch(() => null);
    const entry = info?.isFile() ? parseEntry((await readFile(file, 'utf8').catch(() => '')) || '') : null;
    if (entry) entries.push(entry);
    else unreadable.push(file);
  }
  return { entries, unreadable };
}

/** Holds the lock on `file` (proper-lockfile: a `.lock` folder beside it, stale after 10 s) while `run` runs. */
async function withFileLock<T>(
  file: string,
  run: () => Promise<T>,
  options: { readonly signal?: AbortSignal; readonly timeoutMs?: number },
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let release: (() => Promise<void>) | undefined;
  while (!release) {
    if (options.signal?.aborted) {
      throw new AuthFlowError({ code: 'cancelled', message: 'Waiting for the token cache lock was cancelled.' });
    }
    try {
      const { default: lockfile } = await import('proper-lockfile');
      release = await lockfile.lock(file, { realpath: false, stale: 10_000, update: 2_000, retries: 0 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') {
        throw new AuthFlowError(
          { code: 'cacheUnsafe', message: `The token cache ${file} cannot be locked.` },
          { cause: error },
        );
      }
      if (Date.now() > deadline) {
        throw new AuthFlowError({
          code: 'timeout',
          message: `Another cdf-auth process holds the token cache ${file}; try again.`,
        });
      }
      await pause(100, options.signal);
    }
  }
  try {
    return await run();
  } finally {
    await release().catch(() => {});
  }
}

function unsafe(file: string, why: string): AuthFlowError {
  return new AuthFlowError({ code: 'cacheUnsafe', message: `The token cache ${file} ${why}; refusing to use it.` });
}

/** `absent` or `file`; a symlink or a folder where a cache file should be is `cacheUnsafe`. */
async function assertPlainFileOrNothing(file: string): Promise<'absent' | 'file'> {
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw new AuthFlowError(
      { code: 'cacheUnsafe', message: `The token cache ${file} cannot be inspected.` },
      { cause: error },
    );
  }
  if (info.isSymbolicLink()) throw unsafe(file, 'is a symbolic link (tokens are never written through one)');
  if (!info.isFile()) throw unsafe(file, 'is not a regular file (a folder?); remove it');
  return 'file';
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function normalise(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    return url.origin + url.pathname.replace(/\/+$/, '');
  } catch {
    return baseUrl;
  }
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AuthFlowError(
      {
        code: 'cacheCorrupt',
        message: `The token cache ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
      },
      { cause: error },
    );
  }
}

/** Parses one cache file; `null` for anything that is not exactly a known, versioned entry. */
export function parseEntry(text: string): CacheEntry | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const strings = (...keys: string[]) => keys.every((key) => typeof v[key] === 'string');
  if (v.v !== 1 || !strings('baseUrl', 'project', 'user')) return null;
  if (v.kind === 'login-url' && strings('accessToken', 'idToken') && typeof v.projectId === 'number') {
    if (v.expiresAt !== null && typeof v.expiresAt !== 'number') return null;
    return v as unknown as CachedLoginUrlSession;
  }
  if (v.kind === 'api-key' && strings('apiKeyEnv')) return v as unknown as CachedApiKeyLogin;
  if (v.kind === 'token' && strings('tokenEnv')) return v as unknown as CachedTokenLogin;
  if (v.kind === 'oidc' && strings('issuer', 'clientId', 'scope')) {
    const flow = oidcFlowOf(v.flow);
    if (!flow) return null;
    const tokens = v.tokens as Record<string, unknown> | null;
    if (
      typeof tokens !== 'object' ||
      tokens === null ||
      typeof tokens.accessToken !== 'string' ||
      typeof tokens.tokenType !== 'string' ||
      typeof tokens.expiresAt !== 'number' ||
      !['undefined', 'string'].includes(typeof tokens.refreshToken)
    ) {
      return null;
    }
    const params = v.tokenParams;
    if (
      params !== undefined &&
      (typeof params !== 'object' || params === null || !Object.values(params).every((p) => typeof p === 'string'))
    ) {
      return null;
    }
    return { ...v, flow } as unknown as CachedOidcLogin;
  }
  return null;
}

/** A cached login's OIDC flow, also by the name an earlier version wrote (`code`, `device`); `null` for anything else. */
function oidcFlowOf(flow: unknown): OidcFlowName | null {
  if (typeof flow !== 'string') return null;
  const named = Object.hasOwn(FORMER_FLOW_NAMES, flow) ? FORMER_FLOW_NAMES[flow] : flow;
  return OIDC_FLOW_NAMES.find((name) => name === named) ?? null;
}
