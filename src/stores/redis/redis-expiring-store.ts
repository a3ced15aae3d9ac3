/**
 * An {@link ExpiringStore} in Redis: `SET PX` to keep, `GETDEL` to take (atomic: a callback is redeemed by
 * one instance only), `PEXPIRE` to touch. Values are sealed and bound to their name; names are hashed.
 */
import type { ExpiringStore } from '../expiring-store.js';
import type { RedisConnection } from './connection.js';
import { DEFAULT_NAMESPACE, expiringName } from './keys.js';
import { createSealer } from './sealer.js';

/** Options of {@link createRedisExpiringStore}. */
export interface RedisExpiringStoreOptions {
  /** The connection ({@link connectRedis}). */
  readonly redis: RedisConnection;
  /** Encryption keys, as {@link RedisCredentialStoreOptions.encryptionKeys}: the first seals, all open. */
  readonly encryptionKeys: readonly string[];
  /** What the entries are (`pending`, `live`): part of every name, so two stores can share a namespace. */
  readonly kind: string;
  /** Prefix of every Redis name. @default 'cdf-authflow' */
  readonly namespace?: string;
}

/**
 * An {@link ExpiringStore} in Redis, for a web backend on several instances.
 *
 * @example
 * ```ts
 * import { connectRedis, createRedisExpiringStore } from 'cdf-authflow/server';
 * const redis = await connectRedis('redis://127.0.0.1:6379');
 * const pending = createRedisExpiringStore({ redis, encryptionKeys: [process.env.STORE_KEY ?? ''], kind: 'pending' });
 * ```
 */
export function createRedisExpiringStore(options: RedisExpiringStoreOptions): ExpiringStore {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const sealer = createSealer({ encryptionKeys: options.encryptionKeys });
  const send = (args: readonly string[]) => options.redis.commands.sendCommand(args);
  const nameOf = (key: string) => expiringName(namespace, options.kind, key);
  const opened = (sealed: unknown, name: string) => (typeof sealed === 'string' ? sealer.open(sealed, name) : null);
  return {
    async put(key, value, ttlMs) {
      const name = nameOf(key);
      await send(['SET', name, sealer.seal(value, name), 'PX', String(Math.max(1, Math.ceil(ttlMs)))]);
    },
    async take(key) {
      const name = nameOf(key);
      return opened(await send(['GETDEL', name]), name);
    },
    async get(key) {
      const name = nameOf(key);
      return opened(await send(['GET', name]), name);
    },
    async touch(key, ttlMs) {
      return Number(await send(['PEXPIRE', nameOf(key), String(Math.max(1, Math.ceil(ttlMs)))])) === 1;
    },
    async remove(key) {
      await send(['DEL', nameOf(key)]);
    },
  };
}
