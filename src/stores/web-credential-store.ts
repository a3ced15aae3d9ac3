/**
 * The browser's {@link CredentialStore} and {@link RenewLock}, so that the tabs of an origin share one
 * session and renew it once: IndexedDB holds only each key's version (a random id, never a token), the
 * credential travels over a BroadcastChannel and lives in the memory of the tabs that hold it, and Web
 * Locks let one tab renew at a time. Runs in a browser: no Node built-ins, and nothing touches `window`,
 * `indexedDB` or `navigator` before a method is called (server-side rendering imports this module).
 */
import { AuthFlowError } from '../errors/auth-flow-error.js';
import type {
  CredentialListener,
  CredentialStore,
  RenewLock,
  Versioned,
  WriteResult,
} from '../session/credential-store.js';

/** The part of `Storage` (localStorage, sessionStorage) the store can keep versions in. */
export interface StorageLike {
  /** The item's text, `null` when absent. */
  getItem(key: string): string | null;
  /** Sets the item. */
  setItem(key: string, value: string): void;
  /** Removes the item. */
  removeItem(key: string): void;
}

/** The part of `BroadcastChannel` the store uses to reach the other tabs. */
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
  /**
   * Keeps the versions in this storage instead of IndexedDB: exact within one tab (`sessionStorage`, a
   * test), not between tabs, because Chromium tells other tabs of a `localStorage` write late (a tab that
   * takes the lock right after another tab's renewal can still read the old version there). Never holds
   * a credential. @default IndexedDB, database `cdf-authflow`
   */
  readonly storage?: StorageLike;
  /** How credentials reach the other tabs; without it, the store serves this tab only. */
  readonly channel?: ChannelLike;
  /** Prefixes the versions' names. @default 'cdf-authflow:version:' */
  readonly prefix?: string;
  /**
   * How long a read waits for another tab to send the credential of a version this tab does not hold,
   * ms; after it, the store holds nothing this tab can use (every tab that held it has closed). @default 2000
   */
  readonly askMs?: number;
}

/** What the tabs say on the channel: a key's credential at a version, its removal, or a question for it. */
type Message<C> =
  | { readonly source: 'cdf-authflow'; readonly key: string; readonly held: Versioned<C> | null }
  | { readonly source: 'cdf-authflow'; readonly key: string; readonly want: string };

/** Where each key's version lives: the register every tab reads, with an atomic compare-and-set. */
interface VersionRegister {
  read(key: string): Promise<string | null>;
  /** Sets `key` to `next` (`null`: removes it) if it holds `expected` (`undefined`: whatever it holds). */
  swap(key: string, expected: string | null | undefined, next: string | null): Promise<boolean>;
}

/**
 * A {@link CredentialStore} for the tabs of an origin. IndexedDB holds each key's version only: a random
 * id (a counter would restart after a remove, and a tab holding the old `1` would win a compare-and-set
 * it should lose), compared and set in one transaction, which every tab sees once it has committed. The
 * credential lives in the memory of the tabs that hold it and travels over `channel`: every write and
 * remove is announced there, and a tab that reads a version it does not hold asks the others for it (for
 * at most `askMs`). So a token never reaches disk, and a tab that takes the lock right after another
 * tab's renewal reads the renewed credential, not the one whose refresh token was just spent.
 *
 * A version that no open tab holds any more reads as nothing (and is removed). A failing IndexedDB is
 * `storeUnavailable`.
 */
export function createWebCredentialStore<C>(options: WebCredentialStoreOptions = {}): CredentialStore<C> {
  const prefix = options.prefix ?? 'cdf-authflow:version:';
  const askMs = options.askMs ?? 2_000;
  const register = options.storage ? storageRegister(options.storage, prefix) : indexedDbRegister(prefix);
  const held = new Map<string, Versioned<C>>();
  const listeners = new Map<string, Set<CredentialListener<C>>>();
  const tell = (key: string, update: Versioned<C> | null) => {
    for (const listener of [...(listeners.get(key) ?? [])]) listener(update);
  };
  const post = (message: Message<C>) => options.channel?.postMessage(message);
  options.channel?.addEventListener('message', (event) => void hear(event.data, { held, register, tell, post }));
  /** The credential of `version` from another tab: told by its writer, or answered to a question. */
  const ask = (key: string, version: string, signal?: AbortSignal) =>
    new Promise<Versioned<C> | null>((resolve) => {
      const done = (value: Versioned<C> | null) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        stop();
        resolve(value);
      };
      const onAbort = () => done(null);
      const stop = subscribe(key, (update) => {
        if (update?.version === version) done(update);
      });
      const timer = setTimeout(() => done(null), askMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      post({ source: 'cdf-authflow', key, want: version });
    });
  const subscribe = (key: string, listener: CredentialListener<C>) => {
    const set = listeners.get(key) ?? new Set();
    listeners.set(key, set.add(listener));
    return () => {
      set.delete(listener);
      if (set.size === 0 && listeners.get(key) === set) listeners.delete(key);
    };
  };
  return {
    async read(key, callOptions) {
      const version = await register.read(key);
      if (version === null) return null;
      const mine = held.get(key);
      if (mine?.version === version) return mine;
      const theirs = options.channel ? await ask(key, version, callOptions?.signal) : null;
      // No tab answered for the version (every tab that held it has closed): the store holds nothing,
      // and a new sign-in may write as into an empty store.
      if (!theirs && !callOptions?.signal?.aborted) await register.swap(key, version, null);
      return theirs;
    },
    async write(key, credential, expectedVersion): Promise<WriteResult> {
      const next = { version: randomVersion(), credential };
      if (!(await register.swap(key, expectedVersion, next.version))) return { status: 'conflict' };
      held.set(key, next);
      tell(key, next);
      post({ source: 'cdf-authflow', key, held: next });
      return { status: 'written', version: next.version };
    },
    async remove(key) {
      await register.swap(key, undefined, null);
      held.delete(key);
      tell(key, null);
      post({ source: 'cdf-authflow', key, held: null });
    },
    subscribe,
  };
}

/** What {@link hear} works on: one store's tab-local state. */
interface TabState<C> {
  readonly held: Map<string, Versioned<C>>;
  readonly register: VersionRegister;
  readonly tell: (key: string, update: Versioned<C> | null) => void;
  readonly post: (message: Message<C>) => void;
}

/**
 * A message from another tab: a question for a version this tab holds (answered), a removal (taken when
 * the register holds nothing), or a credential (taken only at the version the register names: a late
 * message about an older write, or a stranger's, changes nothing).
 */
async function hear<C>(data: unknown, { held, register, tell, post }: TabState<C>): Promise<void> {
  const message = data as Partial<{ source: unknown; key: unknown; held: unknown; want: unknown }> | null;
  if (message?.source !== 'cdf-authflow' || typeof message.key !== 'string') return;
  const key = message.key;
  const mine = held.get(key);
  if (typeof message.want === 'string') {
    if (mine?.version === message.want) post({ source: 'cdf-authflow', key, held: mine });
    return;
  }
  if (message.held !== null && !isVersioned<C>(message.held)) return;
  const current = await register.read(key).catch(() => undefined);
  if (message.held === null) {
    if (current === null && held.delete(key)) tell(key, null);
  } else if (message.held.version === current && held.get(key)?.version !== current) {
    held.set(key, message.held);
    tell(key, message.held);
  }
}

/** Versions in a `Storage`: exact within one tab, whose storage calls are synchronous. */
function storageRegister(storage: StorageLike, prefix: string): VersionRegister {
  const read = (key: string) => {
    const version = storage.getItem(prefix + key);
    return version !== null && VERSION.test(version) ? version : null;
  };
  return {
    read: async (key) => read(key),
    async swap(key, expected, next) {
      if (expected !== undefined && read(key) !== expected) return false;
      if (next === null) storage.removeItem(prefix + key);
      else storage.setItem(prefix + key, next);
      return true;
    },
  };
}

/**
 * Versions in IndexedDB (database `cdf-authflow`, store `versions`): a compare-and-set is one readwrite
 * transaction, which IndexedDB runs one at a time across the tabs, and a committed one is what every tab
 * reads next.
 */
function indexedDbRegister(prefix: string): VersionRegister {
  let opened: Promise<IDBDatabase> | undefined;
  const database = () =>
    (opened ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('cdf-authflow', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('versions');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    }).catch((error: unknown) => {
      opened = undefined;
      throw unavailable(error);
    }));
  /** Runs `body` in one transaction; answers what it set once the transaction has committed. */
  const run = async <T>(
    mode: IDBTransactionMode,
    body: (store: IDBObjectStore, answer: (value: T) => void) => void,
  ) => {
    const db = await database();
    return new Promise<T>((resolve, reject) => {
      let answer: T;
      const transaction = db.transaction('versions', mode);
      body(transaction.objectStore('versions'), (value) => {
        answer = value;
      });
      transaction.oncomplete = () => resolve(answer);
      transaction.onerror = transaction.onabort = () => reject(unavailable(transaction.error));
    });
  };
  const versionOf = (value: unknown) => (typeof value === 'string' && VERSION.test(value) ? value : null);
  return {
    read: (key) =>
      run<string | null>('readonly', (store, answer) => {
        const request = store.get(prefix + key);
        request.onsuccess = () => answer(versionOf(request.result));
      }),
    swap: (key, expected, next) =>
      run<boolean>('readwrite', (store, answer) => {
        const request = store.get(prefix + key);
        request.onsuccess = () => {
          if (expected !== undefined && versionOf(request.result) !== expected) return answer(false);
          if (next === null) store.delete(prefix + key);
          else store.put(next, prefix + key);
          answer(true);
        };
      }),
  };
}

const unavailable = (cause: unknown) =>
  new AuthFlowError(
    {
      code: 'storeUnavailable',
      message:
        "The browser's IndexedDB, where the tabs keep their session's version, failed: the tabs cannot share or renew the session. Is storage blocked for this site (a private window, a browser setting)? Allow it, reload and sign in again.",
    },
    { cause },
  );

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

function isVersioned<C>(value: unknown): value is Versioned<C> {
  const v = value as Partial<Versioned<C>> | null;
  return typeof v?.version === 'string' && VERSION.test(v.version) && 'credential' in v;
}

/** What a version looks like: {@link randomVersion}'s 32 hex digits. */
const VERSION = /^[0-9a-f]{32}$/;

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
