/**
 * Short-lived entries a web backend keeps beside its sessions: a pending sign-in under its `state` (taken
 * once, by whichever instance receives the callback) and a session's liveness (its idle lifetime).
 * Memory here, the default of one instance; Redis in `stores/redis/redis-expiring-store.ts`.
 */

/** Entries with a time to live, and a `take` that hands an entry to exactly one caller. */
export interface ExpiringStore {
  /** Keeps `value` under `key` for `ttlMs`, replacing what was there. */
  put(key: string, value: string, ttlMs: number): Promise<void>;
  /** The value under `key`, removed in the same step: of two concurrent takes, one gets it. */
  take(key: string): Promise<string | null>;
  /** The value under `key`, `null` when there is none or it expired. */
  get(key: string): Promise<string | null>;
  /** Gives `key` a new time to live; `false` when it is gone (expired or removed). */
  touch(key: string, ttlMs: number): Promise<boolean>;
  /** Removes `key`. */
  remove(key: string): Promise<void>;
}

/**
 * An {@link ExpiringStore} in this process's memory. Expired entries are dropped when met and by a sweep
 * every 1,000 writes, so that abandoned sign-ins do not pile up.
 *
 * @example
 * ```ts
 * import { createMemoryExpiringStore } from 'cdf-authflow/server';
 * const pending = createMemoryExpiringStore();
 * await pending.put('state', '{"flow":1}', 600_000);
 * await pending.take('state'); // '{"flow":1}', and null for any later take
 * ```
 */
export function createMemoryExpiringStore(now: () => number = Date.now): ExpiringStore {
  const entries = new Map<string, { value: string; until: number }>();
  let writes = 0;
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.until <= now()) entries.delete(key);
    return entries.get(key);
  };
  const sweep = () => {
    const at = now();
    for (const [key, entry] of entries) if (entry.until <= at) entries.delete(key);
  };
  return {
    async put(key, value, ttlMs) {
      if (++writes % 1_000 === 0) sweep();
      entries.set(key, { value, until: now() + ttlMs });
    },
    async take(key) {
      const entry = live(key);
      entries.delete(key);
      return entry?.value ?? null;
    },
    async get(key) {
      return live(key)?.value ?? null;
    },
    async touch(key, ttlMs) {
      const entry = live(key);
      if (!entry) return false;
      entry.until = now() + ttlMs;
      return true;
    },
    async remove(key) {
      entries.delete(key);
    },
  };
}
