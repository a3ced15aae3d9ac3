/**
 * Where a web backend keeps what outlives one request: sessions (the credential store and the renewal
 * lock of `session/`), pending sign-ins and sessions' liveness. Memory for one instance (the default),
 * Redis for several: the same four parts either way.
 */
import type { IdClaims, TokenSet } from '../../../machines/shared/tokens.js';
import type { CredentialStore, RenewLock } from '../../session/credential-store.js';
import { createMemoryCredentialStore, createMemoryRenewLock } from '../../session/memory-credential-store.js';
import { createMemoryExpiringStore, type ExpiringStore } from '../../stores/expiring-store.js';
import type { RedisConnection } from '../../stores/redis/connection.js';
import { createRedisCredentialStore } from '../../stores/redis/redis-credential-store.js';
import { createRedisExpiringStore } from '../../stores/redis/redis-expiring-store.js';
import { createRedisRenewLock } from '../../stores/redis/redis-renew-lock.js';

/** One signed-in person's session on the server. Secret: it holds the tokens. */
export interface ServerSession {
  /** The tokens; they never leave the server. */
  readonly tokens: TokenSet;
  /** The ID token's claims at sign-in; a refreshed ID token must keep `iss`, `sub` and `aud`. */
  readonly claims: IdClaims | null;
  /** The CDF project the sign-in was checked for. */
  readonly project: string;
  /** When it was created, ms since epoch. */
  readonly createdAt: number;
  /** When it ends whatever happens (the absolute lifetime), ms since epoch. */
  readonly endsAt: number;
}

/** The four stores of a web backend. */
export interface ServerStores {
  /** Sessions, under a key derived from the cookie (never the cookie itself). */
  readonly sessions: CredentialStore<ServerSession>;
  /** Who renews a session's tokens, across every instance. */
  readonly lock: RenewLock;
  /** Pending sign-ins under their `state`, taken once by the instance that receives the callback. */
  readonly pending: ExpiringStore;
  /** Sessions' idle lifetimes: touched on every request, gone after `idleMs` without one. */
  readonly liveness: ExpiringStore;
}

/**
 * The stores of one instance, in its memory: sessions end with the process. The default of
 * {@link createServerAuth}.
 *
 * @example
 * ```ts
 * import { createMemoryServerStores } from 'cdf-authflow/server';
 * const stores = createMemoryServerStores();
 * ```
 */
export function createMemoryServerStores(): ServerStores {
  return {
    sessions: createMemoryCredentialStore<ServerSession>(),
    lock: createMemoryRenewLock(),
    pending: createMemoryExpiringStore(),
    liveness: createMemoryExpiringStore(),
  };
}

/** Options of {@link createRedisServerStores}. */
export interface RedisServerStoresOptions {
  /** The connection ({@link connectRedis}). */
  readonly redis: RedisConnection;
  /**
   * Encryption keys, each 32 random bytes in base64 (`openssl rand -base64 32`): the first seals every
   * value, all open. Every instance needs the same list.
   */
  readonly encryptionKeys: readonly string[];
  /** Prefix of every Redis name, so that several apps can share one Redis. @default 'cdf-authflow' */
  readonly namespace?: string;
}

/**
 * The stores of a fleet of instances, in one Redis: any instance takes any callback, a session's tokens
 * renew once across all of them, and sessions survive a restart of the instances. Every value is sealed
 * (AES-256-GCM); sessions expire in Redis at their absolute lifetime.
 *
 * @example
 * ```ts
 * import { connectRedis, createRedisServerStores } from 'cdf-authflow/server';
 * const stores = createRedisServerStores({
 *   redis: await connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
 *   encryptionKeys: (process.env.SESSION_KEYS ?? '').split(','),
 * });
 * ```
 */
export function createRedisServerStores(options: RedisServerStoresOptions): ServerStores {
  const shared = { redis: options.redis, ...(options.namespace ? { namespace: options.namespace } : {}) };
  const sealed = { ...shared, encryptionKeys: options.encryptionKeys };
  return {
    sessions: createRedisCredentialStore<ServerSession>({ ...sealed, expiresAt: (session) => session.endsAt }),
    lock: createRedisRenewLock(shared),
    pending: createRedisExpiringStore({ ...sealed, kind: 'pending' }),
    liveness: createRedisExpiringStore({ ...sealed, kind: 'live' }),
  };
}
