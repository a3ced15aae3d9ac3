/**
 * The CLI's token cache: one JSON file per base URL and project in the user's config directory,
 * mode 0600, written atomically (temp file, fsync, rename), so that a crash never leaves half a file
 * and no other user can read it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import envPaths from 'env-paths';
import writeFileAtomic from 'write-file-atomic';
import { AuthFlowError } from '../errors/auth-flow-error.js';

/** A cached legacy login-URL session. The tokens are secrets. */
export interface CachedLoginUrlSession {
  readonly v: 1;
  readonly kind: 'login-url';
  readonly baseUrl: string;
  readonly project: string;
  readonly user: string;
  readonly projectId: number;
  readonly accessToken: string;
  readonly idToken: string;
  /** ms since epoch, or `null` when the token did not say. */
  readonly expiresAt: number | null;
}

/** A remembered API-key login: the name of the variable that holds the key, never the key. */
export interface CachedApiKeyLogin {
  readonly v: 1;
  readonly kind: 'api-key';
  readonly baseUrl: string;
  readonly project: string;
  readonly user: string;
  readonly apiKeyEnv: string;
}

/** A cached OpenID Connect login. The tokens are secrets; a client secret is never stored, only its variable's name. */
export interface CachedOidcLogin {
  readonly v: 1;
  readonly kind: 'oidc';
  readonly flow: 'code' | 'device' | 'client-credentials';
  readonly baseUrl: string;
  /** The project asked for, or `''`. */
  readonly project: string;
  /** The token's subject, as CDF's token/inspect said. */
  readonly user: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly scope: string;
  readonly clientSecretEnv?: string;
  readonly resource?: string;
  readonly tokens: {
    readonly accessToken: string;
    readonly tokenType: string;
    readonly expiresAt: number;
    readonly refreshToken?: string;
    readonly idToken?: string;
    readonly scope?: string;
  };
  readonly claims: { readonly iss: string; readonly sub: string; readonly aud: string | readonly string[] } | null;
}

/** What the cache holds for one base URL and project. */
export type CacheEntry = CachedLoginUrlSession | CachedApiKeyLogin | CachedOidcLogin;

/** Which login `cdf-auth token` and friends use when none is named. */
export interface CurrentLogin {
  readonly baseUrl: string;
  readonly project: string;
}

/** A token cache. */
export interface TokenStore {
  /** The directory the files live in. */
  readonly dir: string;
  read(login: CurrentLogin): Promise<CacheEntry | null>;
  write(entry: CacheEntry): Promise<void>;
  remove(login: CurrentLogin): Promise<void>;
  readCurrent(): Promise<CurrentLogin | null>;
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
  const fileOf = (login: CurrentLogin) =>
    path.join(
      dir,
      `tokens-${createHash('sha256')
        .update(`${normalise(login.baseUrl)}\n${login.project.toLowerCase()}`)
        .digest('hex')
        .slice(0, 24)}.json`,
    );
  const currentFile = path.join(dir, 'current.json');
  const save = async (file: string, value: unknown) => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  };
  return {
    dir,
    async read(login) {
      const file = fileOf(login);
      const text = await readIfExists(file);
      if (text === null) return null;
      const entry = parseEntry(text);
      if (!entry) {
        throw new AuthFlowError({
          code: 'cacheCorrupt',
          message: `The token cache ${file} is unreadable; it was left as it is. Run "cdf-auth logout" or sign in again.`,
        });
      }
      return entry;
    },
    async write(entry) {
      await save(fileOf(entry), entry);
      await save(currentFile, { baseUrl: normalise(entry.baseUrl), project: entry.project });
    },
    async remove(login) {
      await rm(fileOf(login), { force: true });
      const current = await this.readCurrent().catch(() => null);
      if (current && normalise(current.baseUrl) === normalise(login.baseUrl) && current.project === login.project) {
        await rm(currentFile, { force: true });
      }
    },
    async readCurrent() {
      const text = await readIfExists(currentFile);
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
  };
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
  if (
    v.kind === 'oidc' &&
    strings('issuer', 'clientId', 'scope') &&
    ['code', 'device', 'client-credentials'].includes(String(v.flow))
  ) {
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
    return v as unknown as CachedOidcLogin;
  }
  return null;
}
