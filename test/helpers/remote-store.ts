import { AuthFlowError } from '../../src/errors/auth-flow-error.js';
import type {
  CredentialListener,
  CredentialStore,
  RenewLock,
  Versioned,
  WriteResult,
} from '../../src/session/credential-store.js';

/** A write the server accepted or refused, for tests to count. */
export interface WriteRecord {
  readonly key: string;
  readonly expectedVersion: string | null;
  readonly fence: number | undefined;
  readonly result: 'written' | 'refused: version';
}

/**
 * A remote store and lock, as Redis would hold them for several instances: every operation crosses a
 * network (the request and the answer each wait `latency()` ms) and applies atomically on the server.
 * The lock is `SET NX PX` with a fence from `INCR` (a lease of `ttlMs`; a waiter retries every 2 ms),
 * released by compare-and-delete; a write is refused when its version is not the one held
 * (compare-and-set), never by its fence (as `stores/redis/redis-credential-store.ts`).
 * Writes are published to every instance's subscribers, after a latency of their own.
 */
export function createRemote<C>(latency: () => number = () => 1 + Math.floor(Math.random() * 5)) {
  const values = new Map<string, Versioned<C>>();
  const leases = new Map<string, { readonly fence: number; readonly until: number }>();
  const fences = new Map<string, number>();
  const subscribers = new Set<{ readonly key: string; readonly listener: CredentialListener<C> }>();
  const writes: WriteRecord[] = [];
  let versions = 0;
  const op = async <T>(apply: () => T): Promise<T> => {
    await sleep(latency());
    const answer = apply();
    await sleep(latency());
    return answer;
  };
  const publish = (key: string, update: Versioned<C> | null) => {
    for (const s of [...subscribers]) {
      if (s.key === key) void sleep(latency()).then(() => subscribers.has(s) && s.listener(update));
    }
  };
  const setNx = (key: string, ttlMs: number): number | null => {
    const lease = leases.get(key);
    if (lease && lease.until > Date.now()) return null;
    const fence = (fences.get(key) ?? 0) + 1;
    fences.set(key, fence);
    leases.set(key, { fence, until: Date.now() + ttlMs });
    return fence;
  };
  const compareAndSet = (key: string, credential: C, expected: string | null, fence?: number): WriteResult => {
    const record = (result: WriteRecord['result']) => writes.push({ key, expectedVersion: expected, fence, result });
    if ((values.get(key)?.version ?? null) !== expected) {
      record('refused: version');
      return { status: 'conflict' };
    }
    const held = { credential, version: `v${++versions}` };
    values.set(key, held);
    record('written');
    publish(key, held);
    return { status: 'written', version: held.version };
  };

  /** One instance's connection: its store and its lock. */
  const connect = (): { store: CredentialStore<C>; lock: RenewLock } => ({
    store: {
      read: (key) => op(() => values.get(key) ?? null),
      write: (key, credential, expected, options) => op(() => compareAndSet(key, credential, expected, options?.fence)),
      remove: (key) =>
        op(() => {
          values.delete(key);
          publish(key, null);
        }),
      subscribe(key, listener) {
        const s = { key, listener };
        subscribers.add(s);
        return () => subscribers.delete(s);
      },
    },
    lock: {
      async withLock(key, fn, { signal, ttlMs, waitMs }) {
        const deadline = Date.now() + waitMs;
        let fence: number | null = null;
        while (fence === null) {
          if (signal?.aborted) throw new AuthFlowError({ code: 'cancelled', message: 'Lock wait cancelled.' });
          fence = await op(() => setNx(key, ttlMs));
          if (fence !== null) break;
          if (Date.now() > deadline) throw new AuthFlowError({ code: 'timeout', message: 'Lock wait timed out.' });
          await sleep(2);
        }
        const mine = fence;
        try {
          return await fn(mine);
        } finally {
          await op(() => leases.get(key)?.fence === mine && leases.delete(key));
        }
      },
    },
  });
  return { connect, writes, values };
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
