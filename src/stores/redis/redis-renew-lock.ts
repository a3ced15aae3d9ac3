/**
 * A {@link RenewLock} in Redis, across every instance that shares it: granted by `SET NX PX` with a fence
 * from `INCR` (one Lua script), released by compare-and-delete (a holder whose lease ran out releases
 * nothing of the next holder's), waiters woken over pub/sub and, for a holder that died without
 * releasing, by a re-try every `pollMs` until its lease expires.
 */
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import type { RenewLock } from '../../session/credential-store.js';
import type { RedisConnection } from './connection.js';
import { channelPattern, DEFAULT_NAMESPACE, redisNames } from './keys.js';

/** Options of {@link createRedisRenewLock}. */
export interface RedisRenewLockOptions {
  /** The connection ({@link connectRedis}). */
  readonly redis: RedisConnection;
  /** Prefix of every Redis name; the store beside it must use the same, to see the fences. @default 'cdf-authflow' */
  readonly namespace?: string;
  /** How often a waiter tries again when no release was announced (a dead holder's lease), ms. @default 100 */
  readonly pollMs?: number;
  /** How long a key's fence counter outlives its last grant, ms. @default 7 days */
  readonly fenceTtlMs?: number;
}

/** Grants the lock with the next fence, or answers 0 while another holds it. */
const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fence = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('SET', KEYS[1], fence, 'PX', ARGV[1])
return fence`;

/** Releases the lock only if this holder's fence still holds it, and wakes the waiters. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[1])
  return 1
end
return 0`;

/**
 * A {@link RenewLock} in Redis: one holder per key across every instance; a holder that dies loses the
 * lock after its lease (`ttlMs`), and the next holder gets a higher fence.
 *
 * @example
 * ```ts
 * import { connectRedis, createRedisRenewLock } from 'cdf-authflow/server';
 * const lock = createRedisRenewLock({ redis: await connectRedis('redis://127.0.0.1:6379') });
 * await lock.withLock('me', async (fence) => fence, { ttlMs: 30_000, waitMs: 60_000 });
 * ```
 */
export function createRedisRenewLock(options: RedisRenewLockOptions): RenewLock {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const pollMs = options.pollMs ?? 100;
  const fenceTtlMs = String(options.fenceTtlMs ?? 7 * 24 * 3_600_000);
  const { redis } = options;
  const wakers = new Map<string, Set<() => void>>();
  let subscribed: Promise<unknown> | null = null;
  const listen = () => {
    subscribed ??= redis.subscriber
      .pSubscribe(channelPattern(namespace, 'free'), (_message, channel) => {
        for (const wake of [...(wakers.get(channel) ?? [])]) wake();
      })
      .catch((error: unknown) => {
        subscribed = null;
        throw error;
      });
    return subscribed;
  };
  return {
    async withLock(key, fn, { signal, ttlMs, waitMs }) {
      const names = redisNames(namespace, key);
      await listen();
      const deadline = Date.now() + waitMs;
      const acquire = async () =>
        Number(
          await redis.commands.sendCommand(['EVAL', ACQUIRE, '2', names.lock, names.fence, String(ttlMs), fenceTtlMs]),
        );
      let fence = await acquire();
      while (fence === 0) {
        if (signal?.aborted) throw cancelled();
        const left = deadline - Date.now();
        if (left <= 0) throw late(waitMs);
        await wakeOrPoll(wakers, names.free, Math.min(pollMs, left), signal);
        fence = await acquire();
      }
      try {
        return await fn(fence);
      } finally {
        // A lost release is harmless: the lease ends it.
        await redis.commands
          .sendCommand(['EVAL', RELEASE, '1', names.lock, String(fence), names.free])
          .catch(() => undefined);
      }
    },
  };
}

/** Resolves on a release of the key, after `ms`, or when `signal` aborts, whichever comes first. */
function wakeOrPoll(wakers: Map<string, Set<() => void>>, channel: string, ms: number, signal?: AbortSignal) {
  return new Promise<void>((resolve) => {
    const set = wakers.get(channel) ?? new Set();
    wakers.set(channel, set);
    const done = () => {
      clearTimeout(timer);
      set.delete(done);
      if (set.size === 0 && wakers.get(channel) === set) wakers.delete(channel);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    set.add(done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

// The messages name no key: a server's key derives from a session id.
const cancelled = () =>
  new AuthFlowError({ code: 'cancelled', message: 'Waiting for the renewal lock was cancelled.' });

const late = (waitMs: number) =>
  new AuthFlowError({
    code: 'timeout',
    message: `The renewal lock was not free within ${waitMs} ms; another instance may be stuck renewing. Try again.`,
  });
