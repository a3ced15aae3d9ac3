/**
 * The browser's {@link CredentialStore} (web storage, new credentials announced on a BroadcastChannel)
 * and {@link RenewLock} (Web Locks), so that the tabs of an origin renew a session once. Runs in a
 * browser: no Node built-ins, and nothing touches `window` or `navigator` before a method is called
 * (server-side rendering imports this module).
 */
import { AuthFlowError } from '../errors/auth-flow-error.js';
import type {
  CredentialListener,
  CredentialStore,
  RenewLock,
  Versioned,
  WriteResult,
} from '../session/credential-store.js';

/** The part of `Storage` (localStorage, sessionStorage) the store uses. */
export interface StorageLike {
  /** The item's text, `null` when absent. */
  getItem(key: string): string | null;
  /** Sets the item. */
  setItem(key: string, value: string): void;
  /** Removes the item. */
  removeItem(key: string): void;
}

/** The part of `BroadcastChannel` the store uses to announce writes to the other tabs. */
export interface ChannelLike {
  /** Sends to the other tabs (never to this object's own listeners). */
  postMessage(message: unknown): void;
  /** Hears the other tabs. */
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  /** Stops hearing them. */
  removeEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
}

/** Options of {@link createWebCredentialStore}. */
export interface WebCredentialStoreOptions {
  /** Where credentials live: `localStorage` is shared by the tabs of an origin, `sessionStorage` is one tab's. */
  readonly storage: StorageLike;
  /** Where writes are announced; without it, only this store's own subscribers hear them. */
  readonly channel?: ChannelLike;
  /** Prefixes the storage items' names. @default 'cdf-authflow:credential:' */
  readonly prefix?: string;
}

/** What the store announces on its channel. */
type Announcement<C> =
  | { readonly source: 'cdf-authflow'; readonly key: string; readonly held: Versioned<C> }
  | { readonly source: 'cdf-authflow'; readonly key: string; readonly held: null };

/**
 * A {@link CredentialStore} in web storage. An item holds `{ version, credential }`; a version is random
 * (a counter would restart after a remove, and a tab holding the old `1` would win a compare-and-set it
 * should lose). Compare-and-set is exact within a tab (storage calls are synchronous); between tabs it
 * relies on the writer holding the Web Lock, as `renewOnce` does. An item that is not the store's JSON
 * reads as nothing (sign in again), never as an error a page cannot fix.
 *
 * Every write and remove is announced on `channel` with the credential: the tabs share one origin, as
 * they share its localStorage.
 */
export function createWebCredentialStore<C>(options: WebCredentialStoreOptions): CredentialStore<C> {
  const prefix = options.prefix ?? 'cdf-authflow:credential:';
  const listeners = new Map<string, Set<CredentialListener<C>>>();
  const tell = (key: string, held: Versioned<C> | null) => {
    for (const listener of [...(listeners.get(key) ?? [])]) listener(held);
  };
  const hear = (event: { readonly data: unknown }) => {
    const message = event.data as Partial<Announcement<C>> | null;
    if (message?.source !== 'cdf-authflow' || typeof message.key !== 'string') return;
    if (message.held === null) tell(message.key, null);
    else if (typeof message.held?.version === 'string' && 'credential' in message.held) tell(message.key, message.held);
  };
  const announce = (key: string, held: Versioned<C> | null) => {
    tell(key, held);
    options.channel?.postMessage({ source: 'cdf-authflow', key, held } satisfies Announcement<C>);
  };
  const read = (key: string): Versioned<C> | null => parseItem<C>(options.storage.getItem(prefix + key));
  return {
    read: async (key) => read(key),
    async write(key, credential, expectedVersion): Promise<WriteResult> {
      if ((read(key)?.version ?? null) !== expectedVersion) return { status: 'conflict' };
      const held = { version: randomVersion(), credential };
      options.storage.setItem(prefix + key, JSON.stringify(held));
      announce(key, held);
      return { status: 'written', version: held.version };
    },
    async remove(key) {
      options.storage.removeItem(prefix + key);
      announce(key, null);
    },
    subscribe(key, listener) {
      if (listeners.size === 0) options.channel?.addEventListener('message', hear);
      const set = listeners.get(key) ?? new Set();
      listeners.set(key, set.add(listener));
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(key) === set) listeners.delete(key);
        if (listeners.size === 0) options.channel?.removeEventListener('message', hear);
      };
    },
  };
}

/** The part of `navigator.locks` (a `LockManager`) the lock uses. */
export interface LockManagerLike {
  /** Runs `callback` holding the lock `name`; `signal` ends the wait (rejecting with an `AbortError`). */
  request<T>(name: string, options: { signal?: AbortSignal }, callback: (lock: unknown) => Promise<T>): Promise<T>;
}

/**
 * A {@link RenewLock} over Web Locks: one holder across the tabs (and workers) of an origin. The browser
 * ends a lock with its tab, so there is no lease (`ttlMs` is not used) and no holder is ever overtaken;
 * fences only count this tab's grants. A caller waits at most `waitMs` (`timeout`) or until its `signal`
 * (`cancelled`).
 *
 * @param locks - the `LockManager`. @default navigator.locks
 * @param prefix - prefixes the locks' names. @default 'cdf-authflow:renew:'
 */
export function createWebRenewLock(locks?: LockManagerLike, prefix = 'cdf-authflow:renew:'): RenewLock {
  let fences = 0;
  return {
    async withLock(key, fn, options) {
      if (options.signal?.aborted) throw webLockCancelled(key);
      const manager = locks ?? (navigator.locks as LockManagerLike);
      const waiting = new AbortController();
      const timer = setTimeout(() => waiting.abort(), options.waitMs);
      const onAbort = () => waiting.abort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const stopWaiting = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      let granted = false;
      try {
        return await manager.request(prefix + key, { signal: waiting.signal }, async () => {
          granted = true;
          stopWaiting();
          return fn(++fences);
        });
      } catch (error) {
        if (!granted && options.signal?.aborted) throw webLockCancelled(key, error);
        if (!granted && waiting.signal.aborted) throw webLockTimeout(key, options.waitMs, error);
        throw error;
      } finally {
        stopWaiting();
      }
    },
  };
}

/** A stored item as the store wrote it, `null` for anything else. */
function parseItem<C>(text: string | null): Versioned<C> | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as Partial<Versioned<C>> | null;
    if (typeof value?.version === 'string' && 'credential' in value) {
      return { version: value.version, credential: value.credential as C };
    }
  } catch {}
  return null;
}

/** 128 random bits in hex (`getRandomValues` also works outside secure contexts, unlike `randomUUID`). */
function randomVersion(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

const webLockCancelled = (key: string, cause?: unknown) =>
  new AuthFlowError(
    { code: 'cancelled', message: `Waiting for the renewal lock of "${key}" was cancelled.` },
    cause === undefined ? undefined : { cause },
  );

const webLockTimeout = (key: string, waitMs: number, cause: unknown) =>
  new AuthFlowError(
    {
      code: 'timeout',
      message: `The renewal lock of "${key}" stayed held for ${waitMs} ms by another tab; try again.`,
    },
    { cause },
  );
