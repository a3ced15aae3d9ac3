/**
 * `cdf-authflow/server`: sign-in for a web backend (backend for frontend). The browser holds an opaque,
 * HttpOnly cookie and never a token; any instance takes any callback; a session's tokens renew once
 * across every instance. Memory stores for one instance, Redis for several.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { connectRedis, createRedisServerStores, createServerAuth } from 'cdf-authflow/server';
 * const auth = createServerAuth({
 *   origin: 'https://app.example.com',
 *   baseUrl: 'https://westeurope-1.cognitedata.com',
 *   project: 'my-project',
 *   issuer: 'https://login.microsoftonline.com/TENANT/v2.0',
 *   clientId: 'CLIENT_ID',
 *   clientSecret: process.env.CLIENT_SECRET ?? '',
 *   stores: createRedisServerStores({
 *     redis: await connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
 *     encryptionKeys: (process.env.SESSION_KEYS ?? '').split(','),
 *   }),
 * });
 * const app = express();
 * app.use(auth.handle);
 * ```
 * @module cdf-authflow/server
 */

export { createServerAuth, type ServerAuthOptions } from './drivers/server/server-auth.js';
export {
  createMemoryServerStores,
  createRedisServerStores,
  type RedisServerStoresOptions,
  type ServerSession,
  type ServerStores,
} from './drivers/server/server-stores.js';
export type { ServerAuth, ServerHandler, SessionInfo } from './drivers/server/types.js';
export { createMemoryExpiringStore, type ExpiringStore } from './stores/expiring-store.js';
export {
  type ConnectRedisOptions,
  connectRedis,
  type RedisCommands,
  type RedisConnection,
  type RedisSubscriber,
} from './stores/redis/connection.js';
export {
  createRedisCredentialStore,
  type RedisCredentialStoreOptions,
} from './stores/redis/redis-credential-store.js';
export { createRedisExpiringStore, type RedisExpiringStoreOptions } from './stores/redis/redis-expiring-store.js';
export { createRedisRenewLock, type RedisRenewLockOptions } from './stores/redis/redis-renew-lock.js';
export { createSealer, type Sealer } from './stores/redis/sealer.js';
