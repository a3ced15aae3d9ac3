/**
 * The defaults of one process: a {@link CredentialStore} in memory and a {@link RenewLock} that is a
 * promise queue per key. The lock keeps the lease semantics of a remote lock (a holder past `ttlMs`
 * loses it, with a higher fence for the next), so that code tried against it behaves the same against
 * Redis.
 */

import { AuthFlowError } from '../errors/auth-flow-error.js';
import type {
  CredentialListener,
  CredentialStore,
  RenewLock,
  RenewLockOptions,
  Versioned,
} from './credential-store.js';

/**
 * A {@link CredentialStore} in this process's memory: versions are a counter (never reused, also after
 * a remove), and writes reach the store's subscribers at once.
 *
 * @example
 * ```ts
 * import { createMemoryCredentialStore } from 'cdf-authflow';
 * import type { TokenSet } from 'cdf-authflow';
 * declare const tokens: TokenSet;
 * const store = createMemoryCredentialStore<TokenSet>();
 * const first = await store.write('me', tokens, null); // { status: 'written', version: '1' }
 * ```
 */
export function createMemoryCredentialStore<C>(): CredentialStore<C> {
  const held = new Map<string, Versioned<C>>();
  const listeners = new Map<string, Set<CredentialListener<C>>>();
  let versions = 0;
  const tell = (key: string, update: Versioned<C> | null) => {
    // A copy: a listener that unsubscribes while being told does not skip the next one.
    for (const listener of [...(listeners.get(key) ?? [])]) listener(update);
  };
  return {
    read: async (key) => held.get(key) ?? null,
    async write(key, credential, expectedVersion) {
      if ((held.get(key)?.version ?? null) !== expectedVersion) return { status: 'conflict' };
      const next = { credential, version: String(++versions) };
      held.set(key, next);
      tell(key, next);
      return { status: 'written', version: next.version };
    },
    async remove(key) {
      if (held.delete(key)) tell(key, null);
    },
    subscribe(key, listener) {
      const set = listeners.get(key) ?? new Set();
      listeners.set(key, set.add(listener));
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(key) === set) listeners.delete(key);
      };
    },
  };
}

/** One caller waiting for a key's lock. */
interface Waiter {
  readonly ttlMs: number;
  readonly grant: (fence: number) => void;
}

/** A key's lock: its holder's fence (`null`: free), the holder's lease, and the queue in arrival order. */
interface Slot {
  holder: number | null;
  lease: ReturnType<typeof setTimeout> | undefined;
  readonly queue: Set<Waiter>;
}

/**
 * A {@link RenewLock} within this process: a queue per key, first come first served, no polling. A
 * holder keeps the lock for at most `ttlMs` (after it, the next caller gets it with a higher fence and the
 * late holder's release is a no-op); a caller waits at most `waitMs` (`timeout`) or until its `signal`
 * (`cancelled`).
 */
export function createMemoryRenewLock(): RenewLock {
  const slots = new Map<string, Slot>();
  let fences = 0;
  const grant = (key: string, slot: Slot, ttlMs: number): number => {
    const fence = ++fences;
    slot.holder = fence;
    slot.lease = setTimeout(() => release(key, fence), ttlMs);
    return fence;
  };
  /** Frees the lock if `fence` still holds it, and grants it to the first waiter. */
  const release = (key: string, fence: number) => {
    const slot = slots.get(key);
    if (!slot || slot.holder !== fence) return;
    clearTimeout(slot.lease);
    slot.holder = null;
    const [next] = slot.queue;
    if (!next) {
      slots.delete(key);
      return;
    }
    slot.queue.delete(next);
    next.grant(grant(key, slot, next.ttlMs));
  };
  const acquire = (key: string, options: RenewLockOptions): number | Promise<number> => {
    if (options.signal?.aborted) throw lockCancelled(key);
    const slot = slots.get(key) ?? { holder: null, lease: undefined, queue: new Set<Waiter>() };
    slots.set(key, slot);
    if (slot.holder === null && slot.queue.size === 0) return grant(key, slot, options.ttlMs);
    return queued(key, slot, options);
  };
  return {
    async withLock(key, fn, options) {
      const fence = await acquire(key, options);
      try {
        return await fn(fence);
      } finally {
        release(key, fence);
      }
    },
  };
}

/** Waits in `slot`'s queue until granted, `waitMs` passes, or `signal` aborts. */
function queued(key: string, slot: Slot, options: RenewLockOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const end = () => {
      slot.queue.delete(waiter);
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const waiter: Waiter = {
      ttlMs: options.ttlMs,
      grant: (fence) => {
        end();
        resolve(fence);
      },
    };
    const timer = setTimeout(() => {
      end();
      reject(lockTimeout(key, options.waitMs));
    }, options.waitMs);
    const onAbort = () => {
      end();
      reject(lockCancelled(key));
    };
    slot.queue.add(waiter);
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const lockCancelled = (key: string) =>
  new AuthFlowError({ code: 'cancelled', message: `Waiting for the renewal lock of "${key}" was cancelled.` });

const lockTimeout = (key: string, waitMs: number) =>
  new AuthFlowError({
    code: 'timeout',
    message: `The renewal lock of "${key}" stayed held for ${waitMs} ms; another caller is renewing, try again.`,
  });
