/**
 * The one algorithm that renews a credential once, however many callers, processes, tabs or instances
 * need it at the same moment: a refresh token that rotates may be spent only once, or the IdP refuses
 * the second use and may revoke the whole family (RFC 9700 §4.14.2).
 */
import { toFailure } from '../../machines/shared/failure.js';
import { DEFAULT_LEEWAY_MS, isFresh } from '../../machines/shared/freshness.js';
import { AuthFlowError, isAuthFlowError } from '../errors/auth-flow-error.js';
import type { CredentialStore, RenewLock, StoreWriteOptions, Versioned } from './credential-store.js';

/** Options of {@link renewOnce}. */
export interface RenewOnceOptions<C> {
  /** Where the credential lives; it must already hold the credential (a missing one is `notLoggedIn`). */
  readonly store: CredentialStore<C>;
  /** Who may renew; spans what shares `store` (a process, the tabs, the processes, the instances). */
  readonly lock: RenewLock;
  /** The login's key in `store` and `lock`. */
  readonly key: string;
  /** The credential the caller holds and finds unusable (stale, or refused by CDF): never adopted back. */
  readonly current: C;
  /**
   * Renews `stored`, the newest credential the store holds (its refresh token is the one not yet spent;
   * the caller's may have been rotated away by another holder). Called at most once per version.
   */
  readonly renew: (stored: C, signal: AbortSignal) => Promise<C>;
  /** True for a credential a caller may use instead of renewing: {@link usableWhenFresh} for tokens. */
  readonly isUsable: (candidate: C) => boolean;
  /**
   * True when two credentials are the same one. @default equal JSON (credentials are plain data; a
   * store keeps the key order it was given)
   */
  readonly sameCredential?: (a: C, b: C) => boolean;
  /** Ends every wait with `cancelled`. A renewal that already returned is still written: it spent a grant. */
  readonly signal?: AbortSignal;
  /** The lock's lease, ms; longer than `renew` may take (a holder past it may lose the lock). @default 30000 */
  readonly lockTtlMs?: number;
  /** The longest wait, for the lock or for another holder's credential, ms: `timeout` after it. @default 60000 */
  readonly waitMs?: number;
}

/** What {@link renewOnce} ends with: a usable credential at its version, and whether this caller renewed it. */
export interface RenewOutcome<C> extends Versioned<C> {
  /** `renewed` by this call, or `adopted` from another holder (or a new sign-in) without renewing. */
  readonly outcome: 'renewed' | 'adopted';
}

type Resolved<C> = Required<Omit<RenewOnceOptions<C>, 'signal'>> & { readonly signal: AbortSignal | undefined };

const DEFAULT_LOCK_TTL_MS = 30_000;
const DEFAULT_WAIT_MS = 60_000;
/** How often a caller without a store subscription re-reads while it waits for another writer, ms. */
const POLL_MS = 50;

/**
 * The predicate "may be used instead of renewing" for credentials that say when they expire (a
 * `TokenSet`, a login-URL session), by the project's one freshness rule, {@link isFresh}.
 */
export function usableWhenFresh(
  leewayMs: number = DEFAULT_LEEWAY_MS,
  now: () => number = Date.now,
): (candidate: { readonly expiresAt: number | null }) => boolean {
  return (candidate) => isFresh(candidate, now(), leewayMs);
}

/**
 * Renews a credential once across everything that shares `store` and `lock`.
 *
 * Takes the lock; re-reads the store; if another holder already wrote a usable credential other than
 * `current`, adopts it; otherwise renews the stored one, writes it with compare-and-set against the
 * version read, and releases the lock. The store tells its subscribers, so
 * callers still waiting for the lock adopt the new credential at once. A write that loses
 * (`conflict`: another writer got there first) adopts what the other wrote.
 *
 * Fails with an {@link AuthFlowError}: `timeout` (the lock, or another holder's credential, took longer
 * than `waitMs`), `cancelled` (`signal`), `notLoggedIn` (the store holds nothing: signed out
 * meanwhile), or the renewal's own error (a non-library error becomes `internal`, with it as `cause`).
 */
export async function renewOnce<C>(options: RenewOnceOptions<C>): Promise<RenewOutcome<C>> {
  const o: Resolved<C> = {
    sameCredential: sameJson,
    lockTtlMs: DEFAULT_LOCK_TTL_MS,
    waitMs: DEFAULT_WAIT_MS,
    ...options,
    signal: options.signal,
  };
  if (o.signal?.aborted) throw cancelled();
  // Most callers arrive after the renewal: the store answers them without touching the lock.
  const seen = await o.store.read(o.key, { ...(o.signal ? { signal: o.signal } : {}) });
  if (seen && adoptable(o, seen)) return adopted(seen);
  return lockOrNews(o);
}

/**
 * Waits for the lock, or for the store to announce a usable credential, whichever comes first. The two
 * are decided in one place (`phase`), so that a caller told of news never also renews under the lock.
 */
function lockOrNews<C>(o: Resolved<C>): Promise<RenewOutcome<C>> {
  return new Promise((resolve, reject) => {
    let phase: 'waiting' | 'holding' | 'done' = 'waiting';
    const giveUp = new AbortController();
    const onAbort = () => giveUp.abort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const unsubscribe =
      o.store.subscribe?.(o.key, (update) => {
        if (phase !== 'waiting' || !update || !adoptable(o, update)) return;
        settle();
        resolve(adopted(update));
      }) ?? (() => {});
    function settle() {
      phase = 'done';
      unsubscribe();
      o.signal?.removeEventListener('abort', onAbort);
      giveUp.abort();
    }
    o.lock
      .withLock(
        o.key,
        async (fence) => {
          // Granted after the news won: release at once, renewing nothing.
          if (phase !== 'waiting') return null;
          phase = 'holding';
          unsubscribe();
          return underLock(o, fence);
        },
        { signal: giveUp.signal, ttlMs: o.lockTtlMs, waitMs: o.waitMs },
      )
      .then(
        (outcome) => {
          if (phase === 'done' || !outcome) return;
          settle();
          resolve(outcome);
        },
        (error: unknown) => {
          if (phase === 'done') return;
          settle();
          reject(o.signal?.aborted ? cancelled(error) : error);
        },
      );
  });
}

/**
 * The holder's part: re-read, adopt or renew, compare-and-set. The write carries the lock's fence (a
 * store whose lock is not re-entrant, the file store, knows by it that the writer holds the lock), and it
 * is judged by the version alone: see {@link StoreWriteOptions.fence}.
 */
async function underLock<C>(o: Resolved<C>, fence: number): Promise<RenewOutcome<C>> {
  const stored = await o.store.read(o.key, { ...(o.signal ? { signal: o.signal } : {}) });
  if (!stored) throw removed();
  if (adoptable(o, stored)) return adopted(stored);
  const next = await renewTyped(o, stored.credential);
  // No signal here: the renewal spent a grant (a rotated refresh token); its result must reach the store.
  const written = await o.store.write(o.key, next, stored.version, { fence });
  if (written.status === 'written') return { credential: next, version: written.version, outcome: 'renewed' };
  return afterConflict(o);
}

/** Runs `renew`, its failure as an {@link AuthFlowError}. */
async function renewTyped<C>(o: Resolved<C>, stored: C): Promise<C> {
  try {
    return await o.renew(stored, o.signal ?? new AbortController().signal);
  } catch (error) {
    if (o.signal?.aborted) throw cancelled(error);
    if (isAuthFlowError(error)) throw error;
    throw new AuthFlowError(toFailure(error, 'internal'), { cause: error });
  }
}

/** Another writer won the compare-and-set: adopt its credential, once the store holds a usable one (at most `waitMs`). */
async function afterConflict<C>(o: Resolved<C>): Promise<RenewOutcome<C>> {
  const found = await nextAdoptable(o);
  if (found === 'removed') throw removed();
  if (!found) {
    throw new AuthFlowError({
      code: 'timeout',
      message: `Another holder renewed the credential for "${o.key}", but no usable credential arrived within ${o.waitMs} ms; try again.`,
    });
  }
  return adopted(found);
}

/** The first usable credential the store holds or announces within `waitMs`; `null` after it. */
function nextAdoptable<C>(o: Resolved<C>): Promise<Versioned<C> | 'removed' | null> {
  return new Promise((resolve, reject) => {
    let poll: ReturnType<typeof setTimeout> | undefined;
    const deadline = setTimeout(() => stop(null), o.waitMs);
    const onAbort = () => {
      stop(null);
      reject(cancelled());
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const check = (update: Versioned<C> | null) => {
      if (update === null) stop('removed');
      else if (adoptable(o, update)) stop(update);
    };
    const unsubscribe = o.store.subscribe?.(o.key, check) ?? (() => {});
    let done = false;
    function stop(value: Versioned<C> | 'removed' | null) {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      clearTimeout(poll);
      unsubscribe();
      o.signal?.removeEventListener('abort', onAbort);
      resolve(value);
    }
    // Subscribed first, then read: a write between the two is seen by one of them.
    const reread = () =>
      o.store.read(o.key).then(
        (value) => {
          check(value);
          // A store without a channel (the file store): look again now and then.
          if (!done && !o.store.subscribe) poll = setTimeout(reread, POLL_MS);
        },
        (error: unknown) => {
          stop(null);
          reject(error);
        },
      );
    void reread();
  });
}

function adoptable<C>(o: Resolved<C>, candidate: Versioned<C>): boolean {
  return !o.sameCredential(candidate.credential, o.current) && o.isUsable(candidate.credential);
}

const adopted = <C>(found: Versioned<C>): RenewOutcome<C> => ({ ...found, outcome: 'adopted' });

const sameJson = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

const cancelled = (cause?: unknown) =>
  new AuthFlowError(
    { code: 'cancelled', message: 'Renewing the credential was cancelled.' },
    cause === undefined ? undefined : { cause },
  );

const removed = () =>
  new AuthFlowError({
    code: 'notLoggedIn',
    message: 'The credential was removed while it was being renewed (signed out elsewhere); sign in again.',
  });
