/**
 * The cached login a command works on, and its access token: refreshed first when about to expire, under
 * the entry's inter-process lock.
 */
import { needsNewSignIn } from '../../machines/shared/failure.js';
import { isFresh } from '../../machines/shared/freshness.js';
import type { IdClaims, TokenSet } from '../../machines/shared/tokens.js';
import { clusterUrl } from '../config/idp-presets.js';
import { cachedLoginOptions } from '../drivers/node/default-credential.js';
import { sessionFor } from '../drivers/node/oidc.js';
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

/** Fresh: not about to expire, and not the token CDF just refused (`rejected`). */
const usable = (entry: CachedOidcLogin, rejected?: string) =>
  isFresh(entry.tokens, Date.now()) && entry.tokens.accessToken !== rejected;

/**
 * The cached OIDC access token, refreshed first when it is about to expire; the cache follows. The
 * refresh runs under the entry's inter-process lock: a process that waited re-reads the cache and
 * takes the tokens the winner wrote, instead of spending a rotated refresh token (which would make the
 * IdP revoke the whole family).
 */
export async function freshOidcToken(
  ctx: CommandContext,
  store: TokenStore,
  entry: CachedOidcLogin,
  rejected?: string,
): Promise<string> {
  if (usable(entry, rejected)) return entry.tokens.accessToken;
  const login = { baseUrl: entry.baseUrl, project: entry.project };
  return store.withLock(
    login,
    async () => {
      const current = await store.read(login);
      if (current?.kind !== 'oidc') {
        throw new AuthFlowError({ code: 'notLoggedIn', message: 'The login was removed meanwhile; sign in again.' });
      }
      if (usable(current, rejected)) return current.tokens.accessToken;
      // Nothing to renew with here (a secret not in this shell): the login stays for a shell that has it.
      const options = cachedLoginOptions(current, ctx.env);
      if (!options) throw secretGone(current);
      try {
        return await refreshEntry(ctx, store, current, options);
      } catch (error) {
        // A refused refresh ends the login: nothing stays on disk (docs/security.md §2.3), unless another
        // process wrote a new login after this one was read.
        if (error instanceof AuthFlowError && needsNewSignIn(error.code)) {
          const now = await store.read(login).catch(() => null);
          if (now?.kind === 'oidc' && now.tokens.refreshToken === current.tokens.refreshToken)
            await store.remove(login);
        }
        throw error;
      }
    },
    { signal: ctx.signal, timeoutMs: 60_000 },
  );
}

/** The client secret to renew with is nowhere: say where it was, and the exact command that renews. */
function secretGone(entry: CachedOidcLogin): AuthFlowError {
  const variable = entry.clientSecretEnv ?? 'IDP_CLIENT_SECRET';
  const where = entry.clientSecretEnvFile
    ? `$${variable} is not set here and ${entry.clientSecretEnvFile} no longer has it`
    : `$${variable} is not set in this shell`;
  const renew = entry.clientSecretEnvFile
    ? `cdf-auth login --env-file ${entry.clientSecretEnvFile}`
    : `${variable}=... cdf-auth login --base-url ${entry.baseUrl}${entry.project ? ` --project ${entry.project}` : ''}`;
  return new AuthFlowError({
    code: 'reauthRequired',
    message: `The token is due and this client-credentials login renews with its secret, but ${where}. Set it, or run: ${renew}`,
  });
}

async function refreshEntry(
  ctx: CommandContext,
  store: TokenStore,
  entry: CachedOidcLogin,
  options: NonNullable<ReturnType<typeof cachedLoginOptions>>,
): Promise<string> {
  let next: TokenSet | undefined;
  const session = sessionFor({ tokens: entry.tokens as TokenSet, claims: entry.claims as IdClaims | null }, options, {
    onTokens: (tokens) => {
      next = tokens;
    },
  });
  // Ctrl-C ends the wait at once: logging the session out stops the refresh and aborts its request.
  const cancelled = new Promise<never>((_, reject) => {
    const onAbort = () => {
      session.logout();
      reject(new AuthFlowError({ code: 'cancelled', message: 'The token refresh was cancelled.' }));
    };
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
  cancelled.catch(() => {});
  try {
    const token = await Promise.race([session.getToken(), cancelled]);
    if (next) await store.write({ ...entry, tokens: next });
    return token;
  } finally {
    session.logout();
  }
}
