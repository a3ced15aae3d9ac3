/**
 * The server driver: sign-in for a web backend (backend for frontend), so that tokens never reach the
 * browser. Request handlers in `node:http`'s shape, which Express takes as they are and Fastify takes
 * from an `onRequest` hook; the authorization-code machine every driver runs; sessions in shared stores
 * (memory for one instance, Redis for several), behind an opaque cookie.
 */

import { randomBytes } from 'node:crypto';
import { DEFAULT_LEEWAY_MS } from '../../../machines/shared/freshness.js';
import { type IdpChoice, resolveIdp } from '../../config/resolve-idp.js';
import { InvalidArgumentError } from '../../errors/invalid-argument.js';
import { createCdfClient } from '../../protocol/cdf.js';
import { isLoopbackHost } from '../../protocol/http.js';
import type { OidcClientOptions } from '../../protocol/oidc.js';
import { type InspectOptions, inspectorFor } from '../../protocol/redact-inspection.js';
import { oidcClientFor } from '../../session/oidc-session.js';
import { cookiePolicy } from './cookies.js';
import { routesOf } from './routes.js';
import { createMemoryServerStores, type ServerStores } from './server-stores.js';
import { serverSessions } from './sessions.js';
import type { ServerAuth, ServerContext } from './types.js';

/** Options of {@link createServerAuth}. */
/**
 * Options of {@link createServerAuth}; `inspect` (with `unsafeUnredacted`) receives the inspection events of
 * every sign-in's machine, redacted.
 */
export interface ServerAuthOptions extends Omit<IdpChoice, 'tokenParams'>, InspectOptions {
  /** The site's public origin, as browsers reach it (`https://app.example.com`); http only on loopback. */
  readonly origin: string;
  /** The CDF project every sign-in must reach (checked with `/api/v1/token/inspect`). */
  readonly project: string;
  /** The client id at the IdP, registered with the redirect URI `{origin}{basePath}/callback`. */
  readonly clientId: string;
  /** The client secret of a confidential web client (recommended for a backend); PKCE is used either way. */
  readonly clientSecret?: string;
  /** Where the routes live: `{basePath}/login`, `/callback`, `/logout`, `/session`. @default '/auth' */
  readonly basePath?: string;
  /** Sessions, pending sign-ins, liveness and the renewal lock. @default memory ({@link createMemoryServerStores}) */
  readonly stores?: ServerStores;
  /** The session cookie's name (`__Host-` is put before it on https). @default 'cdf-session' */
  readonly cookieName?: string;
  /** A session ends after this long without a request, ms. @default 7200000 (2 hours) */
  readonly idleMs?: number;
  /** A session ends this long after sign-in, ms. @default 86400000 (24 hours) */
  readonly absoluteMs?: number;
  /** How long a started sign-in waits for its callback, ms. @default 600000 (10 minutes) */
  readonly callbackTimeoutMs?: number;
  /** Renew when fewer than this many ms of the access token remain. @default 30000 */
  readonly leewayMs?: number;
  /** The deadline of each request to the IdP and CDF, ms. @default 15000 */
  readonly timeoutMs?: number;
  /** The longest wait for another instance's renewal, ms. @default 60000 */
  readonly waitMs?: number;
  /**
   * The renewal lock's lease, ms: an instance that dies while renewing holds the lock this long. Longer
   * than `timeoutMs`, so that a live holder's renewal ends before its lease. @default 30000
   */
  readonly lockTtlMs?: number;
  /** Forward `{proxyPath}/api/v1/projects/{project}/...` to CDF with the session's token. @default off */
  readonly proxyPath?: string;
  /** The `fetch` every request to the IdP and CDF goes through. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Sent as `x-cdp-app` to CDF. */
  readonly appId?: string;
  /** Options for the IdP client (algorithms, clock skew, `clientAuth`). */
  readonly oidc?: Omit<OidcClientOptions, 'issuer' | 'clientId' | 'clientSecret' | 'timeoutMs' | 'fetch'>;
}

/**
 * Sign-in for a web backend. One call per app; every instance of the app makes the same call with the
 * same shared stores.
 *
 * @example
 * ```ts
 * import http from 'node:http';
 * import { createServerAuth } from 'cdf-authflow/server';
 * const auth = createServerAuth({
 *   origin: 'http://127.0.0.1:3000',
 *   baseUrl: 'https://westeurope-1.cognitedata.com',
 *   project: 'my-project',
 *   issuer: 'https://login.microsoftonline.com/TENANT/v2.0',
 *   clientId: 'CLIENT_ID',
 *   clientSecret: process.env.CLIENT_SECRET ?? '',
 * });
 * http.createServer((req, res) => auth.handle(req, res, () => res.writeHead(404).end())).listen(3000);
 * ```
 */
export function createServerAuth(options: ServerAuthOptions): ServerAuth {
  const context = contextOf(options);
  return routesOf(context);
}

function contextOf(options: ServerAuthOptions): ServerContext {
  const origin = originOf(options.origin);
  const basePath = pathOf(options.basePath ?? '/auth', 'basePath');
  const stores = options.stores ?? createMemoryServerStores();
  const idp = resolveIdp(options, 'user');
  const timeoutMs = options.timeoutMs ?? 15_000;
  const oidc = oidcClientFor({ ...options, timeoutMs }, idp.issuer, options.clientSecret);
  const fetchFn = options.fetch ?? globalThis.fetch;
  const cdf = createCdfClient({
    baseUrl: options.baseUrl,
    timeoutMs,
    ...(options.appId ? { appId: options.appId } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const policy = {
    idleMs: options.idleMs ?? 2 * 3_600_000,
    absoluteMs: options.absoluteMs ?? 24 * 3_600_000,
    callbackTimeoutMs: options.callbackTimeoutMs ?? 600_000,
  };
  const now = Date.now;
  return {
    origin,
    basePath,
    cookies: cookiePolicy(origin, options.cookieName ?? 'cdf-session'),
    policy,
    signIn: {
      oidc,
      cdf,
      idp,
      clientId: options.clientId,
      redirectUri: `${origin.origin}${basePath}/callback`,
      project: options.project,
      pending: stores.pending,
      callbackTimeoutMs: policy.callbackTimeoutMs,
      now,
      inspect: inspectorFor(options),
    },
    sessions: serverSessions(
      stores,
      oidc,
      {
        idleMs: policy.idleMs,
        absoluteMs: policy.absoluteMs,
        leewayMs: options.leewayMs ?? DEFAULT_LEEWAY_MS,
        waitMs: options.waitMs ?? 60_000,
        renewTimeoutMs: timeoutMs,
        lockTtlMs: leaseOf(options.lockTtlMs ?? 30_000, timeoutMs),
      },
      now,
    ),
    proxy: options.proxyPath
      ? { proxyPath: pathOf(options.proxyPath, 'proxyPath'), baseUrl: options.baseUrl, fetch: fetchFn, timeoutMs }
      : null,
    newBinding: () => randomBytes(24).toString('base64url'),
  };
}

/** The site's origin: https, or http on a loopback host (development). */
function originOf(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError(`origin is not a URL: write the site's origin, like https://app.example.com.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url))) {
    throw new InvalidArgumentError(
      `origin must be https (http only on 127.0.0.1, localhost or [::1]): session cookies must not travel in the clear.`,
    );
  }
  if (url.pathname !== '/' || url.search || url.hash) {
    throw new InvalidArgumentError(
      `origin is an origin only (${url.origin}), without a path; put the routes' path in basePath.`,
    );
  }
  return url;
}

/** The lock's lease, longer than a renewal's deadline: else a live holder could lose the lock mid-renewal. */
function leaseOf(lockTtlMs: number, timeoutMs: number): number {
  if (!(lockTtlMs > timeoutMs)) {
    throw new InvalidArgumentError(
      `lockTtlMs (${lockTtlMs}) must be longer than timeoutMs (${timeoutMs}): a renewal must end before its lock's lease.`,
    );
  }
  return lockTtlMs;
}

function pathOf(path: string, name: string): string {
  if (!path.startsWith('/') || path.endsWith('/') || path.includes('//')) {
    throw new InvalidArgumentError(`${name} must be a path like /auth: a leading slash and no trailing one.`);
  }
  return path;
}
