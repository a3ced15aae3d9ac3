/**
 * A {@link CredentialStore} in Redis, shared by every instance of a web backend: compare-and-set runs as
 * one Lua script (atomic on the server), values are sealed ({@link Sealer}), and every
 * write is published so that waiting instances adopt it without asking.
 */
import { randomUUID } from 'node:crypto';
import { AuthFlowError, isAuthFlowError } from '../../errors/auth-flow-error.js';
import type { CredentialListener, CredentialStore, Versioned } from '../../session/credential-store.js';
import type { RedisConnection } from './connection.js';
import { channelPattern, DEFAULT_NAMESPACE, redisNames } from './keys.js';
import { createSealer, type Sealer } from './sealer.js';

/** Options of {@link createRedisCredentialStore}. */
export interface RedisCredentialStoreOptions<C> {
  /** The connection ({@link connectRedis}). */
  readonly redis: RedisConnection;
  /**
   * Encryption keys, each 32 random bytes in base64 (`openssl rand -base64 32`): the first seals, all
   * open. To rotate, put a new key first and drop the old one once what it sealed has expired.
   */
  readonly encryptionKeys: readonly string[];
  /** Prefix of every Redis name; the {@link createRedisRenewLock} beside it must use the same. @default 'cdf-authflow' */
  readonly namespace?: string;
  /**
   * When a credential's key expires in Redis (ms since epoch), `null` for never: a server session's
   * absolute lifetime, say. @default never
   */
  readonly expiresAt?: (credential: C) => number | null;
}

/**
 * Compare-and-set on the version: 1 written, 0 refused. Not by the writer's fence (see
 * `StoreWriteOptions.fence`): a late holder's result is the only current token unless the version moved.
 */
const WRITE = `
local held = redis.call('HGET', KEYS[1], 'v')
if (held or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'c', ARGV[3])
if ARGV[4] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[4]) else redis.call('PERSIST', KEYS[1]) end
redis.call('PUBLISH', ARGV[5], ARGV[2] .. '\\n' .. ARGV[3])
return 1`;

/**
 * Removes the credential and tells the subscribers. The lock's fence counter stays: fences restarting at
 * 1 would let a stalled holder's compare-and-delete release a new holder's lock of the same fence.
 */
const REMOVE = `
local gone = redis.call('DEL', KEYS[1])
if gone == 1 then redis.call('PUBLISH', ARGV[1], '-') end
return gone`;

/**
 * A {@link CredentialStore} in Redis. Credentials are JSON, sealed with AES-256-GCM under `encryptionKeys` and bound
 * to their Redis name; versions are random ids; a write is compare-and-set on the version. A value that cannot be opened (an unknown key, altered) reads as `cacheCorrupt`.
 *
 * @example
 * ```ts
 * import { connectRedis, createRedisCredentialStore, createRedisRenewLock } from 'cdf-authflow/server';
 * import type { TokenSet } from 'cdf-authflow';
 * const redis = await connectRedis('redis://127.0.0.1:6379');
 * const store = createRedisCredentialStore<TokenSet>({ redis, encryptionKeys: [process.env.STORE_KEY ?? ''] });
 * const lock = createRedisRenewLock({ redis });
 * ```
 */
export function createRedisCredentialStore<C>(options: RedisCredentialStoreOptions<C>): CredentialStore<C> {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const sealer = createSealer({ encryptionKeys: options.encryptionKeys });
  const { redis } = options;
  const news = newsOf<C>(redis, namespace, sealer);
  const send = (args: readonly string[]) => redis.commands.sendCommand(args);
  return {
    async read(key) {
      await news.ready();
      const names = redisNames(namespace, key);
      const [version, sealed] = (await send(['HMGET', names.value, 'v', 'c'])) as [string | null, string | null];
      if (!version || !sealed) return null;
      return { version, credential: openCredential<C>(sealer, sealed, names.value) };
    },
    async write(key, credential, expectedVersion) {
      const names = redisNames(namespace, key);
      const version = randomUUID();
      const expiresAt = options.expiresAt?.(credential) ?? null;
      const written = await send([
        'EVAL',
        WRITE,
        '1',
        names.value,
        expectedVersion ?? '',
        version,
        sealer.seal(JSON.stringify(credential), names.value),
        expiresAt === null ? '' : String(Math.ceil(expiresAt)),
        names.news,
      ]);
      return Number(written) === 1 ? { status: 'written', version } : { status: 'conflict' };
    },
    async remove(key) {
      const names = redisNames(namespace, key);
      await send(['EVAL', REMOVE, '1', names.value, names.news]);
    },
    subscribe: news.subscribe,
  };
}

/**
 * The store's one pattern subscription to its namespace's news, started at once, so that `read` (which
 * waits for it) never leaves a window in which a write is neither read nor heard.
 */
function newsOf<C>(redis: RedisConnection, namespace: string, sealer: Sealer) {
  const listeners = new Map<string, { readonly name: string; readonly set: Set<CredentialListener<C>> }>();
  const tell = (message: string, channel: string) => {
    const entry = listeners.get(channel);
    if (!entry) return;
    const update = updateOf<C>(message, sealer, entry.name);
    if (update === undefined) return;
    for (const listener of [...entry.set]) listener(update);
  };
  let subscribed: Promise<unknown> | null = null;
  const ready = () => {
    subscribed ??= redis.subscriber.pSubscribe(channelPattern(namespace, 'news'), tell).catch((error: unknown) => {
      subscribed = null;
      throw error;
    });
    return subscribed;
  };
  void ready().catch(() => {});
  return {
    ready,
    subscribe(key: string, listener: CredentialListener<C>) {
      const names = redisNames(namespace, key);
      const entry = listeners.get(names.news) ?? { name: names.value, set: new Set<CredentialListener<C>>() };
      listeners.set(names.news, entry);
      entry.set.add(listener);
      return () => {
        entry.set.delete(listener);
        if (entry.set.size === 0 && listeners.get(names.news) === entry) listeners.delete(names.news);
      };
    },
  };
}

/** A published message as an update; `undefined` for one that cannot be opened (ignored: a re-read decides). */
function updateOf<C>(message: string, sealer: Sealer, name: string): Versioned<C> | null | undefined {
  if (message === '-') return null;
  const cut = message.indexOf('\n');
  if (cut <= 0) return undefined;
  try {
    return { version: message.slice(0, cut), credential: openCredential<C>(sealer, message.slice(cut + 1), name) };
  } catch {
    return undefined;
  }
}

function openCredential<C>(sealer: Sealer, sealed: string, name: string): C {
  const plain = sealer.open(sealed, name);
  try {
    return JSON.parse(plain) as C;
  } catch (error) {
    if (isAuthFlowError(error)) throw error;
    throw new AuthFlowError({ code: 'cacheCorrupt', message: 'A stored credential is not JSON; sign in again.' });
  }
}
