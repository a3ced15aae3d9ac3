/**
 * A cached login (what `cdf-auth login` wrote to the token cache), in one place: which login a caller
 * means, the options it renews with, the session over it (renewed once across every process sharing the
 * cache, through `renewOnce` under the entry's lock, and written back), a fresh token from it, and the
 * logout that ends it at CDF or the IdP and removes it. The CLI's commands and `defaultCredential` call
 * this module; none of them reads the lock or the freshness rule itself.
 */
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { needsNewSignIn } from '../../../machines/shared/failure.js';
import { isFresh } from '../../../machines/shared/freshness.js';
import type { TokenSet } from '../../../machines/shared/tokens.js';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { createOidcClient } from '../../protocol/oidc.js';
import {
  apiKeySession,
  bearerTokenSession,
  type CdfSession,
  loginUrlSession,
  type RemoteLogout,
} from '../../session/cdf-session.js';
import { cdfSessionFor, revokeAt, sessionFor } from '../../session/oidc-session.js';
import type { SessionSharing } from '../../session/session.js';
import { createFileCredentials, fileCredentialKey, oidcTokensOf } from '../../stores/file-credential-store.js';
import type { CachedOidcLogin, CacheEntry, CurrentLogin, TokenStore } from '../../stores/file-token-store.js';

/** The environment a cached login reads its secrets from (variables named in the entry, never stored). */
type Env = Readonly<Record<string, string | undefined>> | undefined;

/** How long a process waits for another one that renews the same login, ms. */
const RENEW_WAIT_MS = 60_000;

/** A secret's variable: from the environment, else from the env file the login remembers (read now, not kept). */
function secretOf(name: string, env: Env, file: string | undefined): string | undefined {
  if (env?.[name]) return env[name];
  if (!file) return undefined;
  try {
    return parseEnv(readFileSync(file, 'utf8'))[name] || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The flow options a cached OIDC login renews with; `null` when the login names a client-secret
 * variable that this environment does not set.
 */
export function cachedLoginOptions(entry: CachedOidcLogin, env: Env): Parameters<typeof cdfSessionFor>[1] | null {
  const clientSecret = entry.clientSecretEnv
    ? secretOf(entry.clientSecretEnv, env, entry.clientSecretEnvFile)
    : undefined;
  if (entry.clientSecretEnv && !clientSecret) return null;
  const base = {
    issuer: entry.issuer,
    clientId: entry.clientId,
    baseUrl: entry.baseUrl,
    scope: entry.scope,
    ...(entry.tokenParams ? { tokenParams: entry.tokenParams } : {}),
    ...(entry.resource ? { resource: entry.resource } : {}),
    ...(entry.clientAuth || entry.tokenEndpoint
      ? {
          oidc: {
            ...(entry.clientAuth ? { clientAuth: entry.clientAuth } : {}),
            ...(entry.tokenEndpoint ? { tokenEndpoint: entry.tokenEndpoint } : {}),
          },
        }
      : {}),
  };
  return clientSecret ? { ...base, clientSecret } : base;
}

/** The cache as the session's shared store: renewals under the entry's inter-process lock, written back. */
function cacheSharing(store: TokenStore, login: CurrentLogin): SessionSharing {
  const files = createFileCredentials(store);
  return { store: oidcTokensOf(files.store), lock: files.lock, key: fileCredentialKey(login), waitMs: RENEW_WAIT_MS };
}

/**
 * A {@link CdfSession} over a cached login, renewed once across the processes that share the cache and
 * written back to it; `null` when the secret it needs (an API key, a client secret, a bearer token) is
 * not in `env`.
 */
export function cachedLoginSession(entry: CacheEntry, store: TokenStore, env: Env): CdfSession | null {
  if (entry.kind === 'login-url') return loginUrlSession(entry, { baseUrl: entry.baseUrl });
  if (entry.kind === 'api-key') {
    const apiKey = env?.[entry.apiKeyEnv];
    return apiKey ? apiKeySession({ apiKey, baseUrl: entry.baseUrl }) : null;
  }
  if (entry.kind === 'token') {
    const accessToken = env?.[entry.tokenEnv];
    return accessToken ? bearerTokenSession({ accessToken, baseUrl: entry.baseUrl }) : null;
  }
  const options = cachedLoginOptions(entry, env);
  if (!options) return null;
  return cdfSessionFor({ tokens: entry.tokens, claims: entry.claims }, options, {
    sharing: cacheSharing(store, entry),
  });
}

/**
 * A usable access token of a cached OIDC login: the cached one while fresh and not `rejected` (the token
 * CDF just refused), else a renewed one (once across processes; the cache follows). A renewal the IdP
 * refuses for good ends the login: it is removed, unless another process wrote a new one meanwhile.
 * Resolves with the tokens it answered from.
 */
export async function freshCachedTokens(
  entry: CachedOidcLogin,
  store: TokenStore,
  env: Env,
  options: { readonly rejected?: string; readonly signal?: AbortSignal } = {},
): Promise<TokenSet> {
  const renewWith = cachedLoginOptions(entry, env);
  if (!renewWith) return tokensWithoutSecret(entry, store, options.rejected);
  let current = entry.tokens;
  const session = sessionFor({ tokens: entry.tokens, claims: entry.claims }, renewWith, {
    sharing: cacheSharing(store, entry),
    onTokens: (tokens) => {
      current = tokens;
    },
  });
  if (options.rejected) session.reportUnauthorized(options.rejected);
  // Ctrl-C ends the wait at once: logging the session out stops the renewal and aborts its request.
  const cancelled = new Promise<never>((_, reject) => {
    const onAbort = () => {
      session.logout();
      reject(new AuthFlowError({ code: 'cancelled', message: 'The token refresh was cancelled.' }));
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  cancelled.catch(() => {});
  try {
    const accessToken = await Promise.race([session.getToken(), cancelled]);
    return current.accessToken === accessToken ? current : { ...entry.tokens, accessToken };
  } catch (error) {
    if (error instanceof AuthFlowError && needsNewSignIn(error.code)) await forgetRefused(store, entry);
    throw error;
  } finally {
    session.logout();
  }
}

/**
 * The tokens of a login whose client secret is not in this shell: usable while the cache holds fresh
 * ones (this or another process renewed them); otherwise nothing renews here, and the login stays on disk
 * for a shell that has the secret.
 */
async function tokensWithoutSecret(entry: CachedOidcLogin, store: TokenStore, rejected?: string): Promise<TokenSet> {
  const latest = await store.read({ baseUrl: entry.baseUrl, project: entry.project }).catch(() => null);
  const tokens = latest?.kind === 'oidc' ? latest.tokens : entry.tokens;
  if (isFresh(tokens, Date.now()) && tokens.accessToken !== rejected) return tokens;
  throw secretGone(entry);
}

/** A refused renewal ends the login (docs/security.md §2.3), unless another process wrote a new one meanwhile. */
async function forgetRefused(store: TokenStore, entry: CachedOidcLogin): Promise<void> {
  const login = { baseUrl: entry.baseUrl, project: entry.project };
  await store.withLock(login, async () => {
    const now = await store.read(login).catch(() => null);
    if (now?.kind === 'oidc' && now.tokens.refreshToken === entry.tokens.refreshToken) await store.remove(login);
  });
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

/** How {@link logoutCachedLogin} went beyond this machine: what was ended, or why it could not be. */
export type CachedLogout = { readonly ended: RemoteLogout } | { readonly remoteError: unknown };

/**
 * Logs a cached login out: ends it where it can be ended (CDF's `/logout` for a login-URL session, the
 * IdP's revocation for an OIDC sign-in, through the same session logout every way in has) and removes
 * it from the cache, also when the remote end fails: a person who logs out keeps no usable token on disk.
 */
export async function logoutCachedLogin(
  entry: CacheEntry,
  store: TokenStore,
  env: Env,
  signal?: AbortSignal,
): Promise<CachedLogout> {
  let outcome: CachedLogout;
  try {
    outcome = { ended: await endRemotely(entry, store, env, signal) };
  } catch (error) {
    outcome = { remoteError: error };
  }
  await store.remove({ baseUrl: entry.baseUrl, project: entry.project });
  return outcome;
}

/** The remote half of a logout; an OIDC login whose client secret is not here is revoked as a public client. */
async function endRemotely(
  entry: CacheEntry,
  store: TokenStore,
  env: Env,
  signal?: AbortSignal,
): Promise<RemoteLogout> {
  const session = cachedLoginSession(entry, store, env);
  if (session) return session.logout(signal ? { signal } : {});
  if (entry.kind !== 'oidc') return 'none';
  return revokeAt(createOidcClient({ issuer: entry.issuer, clientId: entry.clientId }), entry.tokens, signal);
}
