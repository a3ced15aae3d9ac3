/**
 * Where a credential lives ({@link CredentialStore}) and who may renew it ({@link RenewLock}): the two
 * small interfaces under {@link renewOnce}, so that one session runs in a tab, a CLI, a script or a fleet
 * of web servers. Implementations: memory and an in-process lock (`session/memory-credential-store.ts`,
 * the default of one process), the CLI's token files and their inter-process lock
 * (`stores/file-credential-store.ts`), web storage and Web Locks (`stores/web-credential-store.ts`), and
 * Redis (`SET NX PX` with a fence from `INCR`, compare-and-delete release, pub/sub; `stores/redis/`).
 *
 * Where this differs from DESIGN.md §2, and why:
 * - `write` answers `{ status: 'written', version }`, not `'written'`: the writer needs the new version
 *   to compare-and-set again, and re-reading it would open a window for another writer.
 * - `write` takes the lock's fence, as the writer's proof that it holds the lock (the file store's lock is
 *   not re-entrant). No store refuses a write by its fence, though DESIGN.md's fencing would: a holder
 *   whose lease ran out has already spent the stored refresh token at the IdP, which sees no fence, so
 *   its result is the only current token unless someone wrote since, which the version shows. Refusing
 *   it by the fence alone would keep a token the IdP has rotated out and sign the session out; the model
 *   check found that (docs/refresh-protocol.md).
 * - The store publishes its own writes (`subscribe`), instead of `renewOnce` publishing after a write: a
 *   credential written by anyone (a fresh sign-in, another process) reaches the waiters, and a store
 *   knows its channel (BroadcastChannel beside localStorage, pub/sub beside Redis).
 * - `withLock` takes `waitMs` as well as `ttlMs`: how long a caller waits for the lock is the caller's
 *   choice (`timeout` after it), how long a holder may keep it is the lock's lease; they are different
 *   numbers, and every wait here has a bound.
 * - The store is generic in the credential (`CredentialStore<C>`): the CLI stores whole cache entries
 *   (the tokens and what renews them), a tab stores a `TokenSet`.
 */

/** A credential and the version the store holds it at: what a compare-and-set write compares against. */
export interface Versioned<C> {
  /** The credential (secret). */
  readonly credential: C;
  /**
   * The store's version of it: opaque, compared only for equality. A new write never reuses a version
   * a reader may still hold (a counter, a random id, or a hash of content that cannot recur).
   */
  readonly version: string;
}

/** What every store call may take. */
export interface StoreCallOptions {
  /** Ends the call (where the store can end it) with `cancelled`. */
  readonly signal?: AbortSignal;
}

/** What a compare-and-set write may take. */
export interface StoreWriteOptions extends StoreCallOptions {
  /**
   * The fence of the {@link RenewLock} grant the writer holds: how a store whose lock is not re-entrant
   * (the file store) knows the writer holds it. A write is judged by its version alone, never refused by
   * its fence: a late holder's result is the only current token unless the version moved.
   */
  readonly fence?: number;
}

/** What a compare-and-set write did: `written` at a new version, or `conflict` (nothing written). */
export type WriteResult =
  | {
      /** The store held the expected version and now holds the credential. */
      readonly status: 'written';
      /** The credential's new version. */
      readonly version: string;
    }
  | {
      /** The store held another version (or, for `null`, any credential): nothing was written. */
      readonly status: 'conflict';
    };

/** Called with what a store now holds for a key: a new credential, or `null` when it was removed. */
export type CredentialListener<C> = (update: Versioned<C> | null) => void;

/**
 * Where a credential lives: memory (default), the CLI's token files, web storage, Redis. Keys name one
 * login; what a key means is the store's (a file store maps it to a base URL and project).
 *
 * Writes are compare-and-set, so that two writers that read the same version never both succeed: the
 * second one learns it lost (`conflict`) and adopts the winner's credential instead of overwriting it.
 */
export interface CredentialStore<C> {
  /** The credential held for `key` and its version, `null` when there is none. */
  read(key: string, options?: StoreCallOptions): Promise<Versioned<C> | null>;
  /**
   * Writes `credential` if the store still holds `expectedVersion` for `key` (`null`: only if it holds
   * nothing); `conflict` otherwise, and nothing changes. A store with {@link subscribe} tells its
   * listeners of every write.
   */
  write(key: string, credential: C, expectedVersion: string | null, options?: StoreWriteOptions): Promise<WriteResult>;
  /** Removes what `key` holds (nothing when it holds nothing); listeners hear `null`. */
  remove(key: string, options?: StoreCallOptions): Promise<void>;
  /**
   * Calls `listener` with every later change of `key`, also the writes of other tabs, processes or
   * instances where the store can see them (BroadcastChannel, pub/sub); returns the unsubscribe. Optional:
   * without it, a caller that waits learns of a new credential by the lock and a re-read.
   */
  subscribe?(key: string, listener: CredentialListener<C>): () => void;
}

/** How {@link RenewLock.withLock} waits and holds. */
export interface RenewLockOptions {
  /** Ends the wait for the lock with `cancelled`; once held, the lock is released when `fn` settles. */
  readonly signal?: AbortSignal;
  /**
   * The lease, ms: a lock whose holder died (or stalled) this long passes to the next caller, with a
   * higher fence. Locks that end with their holder (Web Locks, a tab) may ignore it.
   */
  readonly ttlMs: number;
  /** How long to wait for the lock, ms: `timeout` after it. */
  readonly waitMs: number;
}

/**
 * Who may renew a key's credential: one holder at a time, across whatever the lock spans (a process,
 * the tabs of an origin, the processes sharing a cache folder, the instances sharing a Redis).
 */
export interface RenewLock {
  /**
   * Runs `fn` while holding the lock on `key`, and releases it however `fn` ends (a release by a holder
   * whose lease ran out releases nothing of the next holder's). `fn` gets the fence: a number that grows
   * with every grant of the lock, for the store to refuse the writes of a holder that lost its lease.
   * Waits at most `waitMs` (`timeout`); `signal` ends the wait (`cancelled`).
   */
  withLock<T>(key: string, fn: (fence: number) => Promise<T>, options: RenewLockOptions): Promise<T>;
}
