/**
 * Which cached login a command works on (from its flags and profiles), and that login's credentials; a
 * fresh token comes from the cached-login module (`drivers/node/cached-login.ts`).
 */
import { isFresh } from '../../machines/shared/freshness.js';
import { clusterUrl } from '../config/idp-presets.js';
import { AuthFlowError } from '../errors/auth-flow-error.js';
import {
  type CachedOidcLogin,
  type CacheEntry,
  type CurrentLogin,
  createFileTokenStore,
  type TokenStore,
} from '../stores/file-token-store.js';
import { type CommandContext, text } from './context.js';
import { UsageError } from './exit-codes.js';
import { readProfile } from './profiles.js';

/**
 * The login a command works on: `--base-url` (or `--cluster`, or `--profile`) and `--project` name it; `--base-url` alone picks the one
 * login cached for that cluster (never another cluster's); neither means the current login.
 */
export async function chosenLogin(ctx: CommandContext, store: TokenStore): Promise<CurrentLogin> {
  const profileName = text(ctx, 'profile');
  const profile = profileName ? await readProfile(ctx, profileName) : undefined;
  const cluster = text(ctx, 'cluster');
  let fromCluster: string | undefined;
  try {
    fromCluster = cluster ? clusterUrl(cluster) : undefined;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const baseUrl = text(ctx, 'base-url') ?? fromCluster ?? profile?.baseUrl;
  // A profile names its login exactly: no project in it is the login without one.
  const project = text(ctx, 'project') ?? profile?.project ?? (profile ? '' : undefined);
  if (baseUrl && project !== undefined) return { baseUrl, project };
  if (!baseUrl) {
    if (project !== undefined) return onlyLoginOf(store, project);
    const current = await store.readCurrent();
    if (!current)
      throw new AuthFlowError({ code: 'notLoggedIn', message: 'Not signed in; run "cdf-auth login" first.' });
    return current;
  }
  const wanted = sameBase(baseUrl);
  const found = (await store.list()).filter((entry) => wanted(entry.baseUrl));
  if (found.length === 1 && found[0]) return { baseUrl: found[0].baseUrl, project: found[0].project };
  if (found.length === 0) throw new UsageError(`No login is cached for ${baseUrl}; run "cdf-auth login" for it.`);
  throw new UsageError(
    `Several logins are cached for ${baseUrl}; name one with --project (${found.map((e) => e.project || '""').join(', ')}).`,
  );
}

/** `--project P` alone: the one cached login of that project, whichever cluster; several are listed. */
async function onlyLoginOf(store: TokenStore, project: string): Promise<CurrentLogin> {
  const found = (await store.list()).filter((entry) => entry.project === project);
  if (found.length === 1 && found[0]) return { baseUrl: found[0].baseUrl, project };
  if (found.length === 0)
    throw new UsageError(`No login is cached for project ${project}; run "cdf-auth login" for it.`);
  throw new UsageError(
    `Several logins are cached for project ${project}; name one with --base-url (${found.map((e) => e.baseUrl).join(', ')}).`,
  );
}

export function sameBase(baseUrl: string): (other: string) => boolean {
  const key = (url: string) => {
    try {
      const parsed = new URL(url);
      return parsed.origin + parsed.pathname.replace(/\/+$/, '');
    } catch {
      return url;
    }
  };
  const wanted = key(baseUrl);
  return (other) => key(other) === wanted;
}

export async function cached(
  ctx: CommandContext,
): Promise<{ store: TokenStore; login: CurrentLogin; entry: CacheEntry }> {
  const store = ctx.store ?? createFileTokenStore();
  const login = await chosenLogin(ctx, store);
  const entry = await store.read(login);
  if (!entry) {
    throw new AuthFlowError({
      code: 'notLoggedIn',
      message: `Not signed in to ${login.project || '(no project)'} at ${login.baseUrl}; run "cdf-auth login".`,
    });
  }
  return { store, login, entry };
}

export const credentialsOf = (ctx: CommandContext, entry: CacheEntry) => {
  if (entry.kind === 'login-url') return { accessToken: entry.accessToken };
  if (entry.kind === 'oidc') return { accessToken: entry.tokens.accessToken };
  if (entry.kind === 'token') {
    const accessToken = ctx.env[entry.tokenEnv];
    if (!accessToken) {
      throw new AuthFlowError({
        code: 'notLoggedIn',
        message: `This login uses the bearer token in $${entry.tokenEnv}, which is not set here: set it (or pass --env-file) and try again.`,
      });
    }
    return { accessToken };
  }
  const apiKey = ctx.env[entry.apiKeyEnv];
  if (!apiKey) throw new UsageError(`The API key variable ${entry.apiKeyEnv} is not set in this shell.`);
  return { apiKey };
};

/**
 * The access token of a cached login that is handed out as it is, without renewing: an OpenID Connect
 * token fresh by the one rule (`isFresh`); `undefined` when it must be renewed first, or for another kind
 * of login. `cdf-auth token` and its quick answer before the CLI loads (`quick-token.ts`) both ask this.
 */
export function tokenAsIs(entry: CacheEntry): string | undefined {
  return entry.kind === 'oidc' && isFresh(entry.tokens, Date.now()) ? entry.tokens.accessToken : undefined;
}

/**
 * The cached OIDC access token, renewed first when it is about to expire or CDF refused it (`rejected`):
 * the cached-login module renews it once across processes and writes the cache back.
 */
export async function freshOidcToken(
  ctx: CommandContext,
  store: TokenStore,
  entry: CachedOidcLogin,
  rejected?: string,
): Promise<string> {
  // A fresh token CDF did not refuse is what the session would hand out at once: given without loading
  // the session, its OIDC client, xstate and jose, since a script runs `$(cdf-auth token)` per call.
  const asIs = rejected ? undefined : tokenAsIs(entry);
  if (asIs !== undefined) return asIs;
  const { freshCachedTokens } = await import('../drivers/node/cached-login.js');
  const tokens = await freshCachedTokens(entry, store, ctx.env, {
    ...(rejected ? { rejected } : {}),
    signal: ctx.signal,
  });
  return tokens.accessToken;
}
