/**
 * Where the Redis stores and lock keep a login, in one place, so that the store sees the fences the lock
 * issues: every name under one namespace, and the caller's key hashed (a server's key is a session id,
 * which is a bearer secret: a key listing must not show it).
 */
import { createHash } from 'node:crypto';

/** The namespace every key starts with unless the options name another. */
export const DEFAULT_NAMESPACE = 'cdf-authflow';

/** The Redis names of one login key. */
export interface RedisNames {
  /** The credential: a hash of `v` (version) and `c` (the sealed credential). */
  readonly value: string;
  /** The fence counter: `INCR`ed by every grant of the lock, read by every write. */
  readonly fence: string;
  /** The lock: holds its holder's fence, with the lease as its time to live. */
  readonly lock: string;
  /** Where writes are published: `version\nsealed`, or `-` for a removal. */
  readonly news: string;
  /** Where a release is published, to wake the lock's waiters. */
  readonly free: string;
}

/** The names of `key` in `namespace`. */
export function redisNames(namespace: string, key: string): RedisNames {
  const id = createHash('sha256').update(key).digest('base64url');
  return {
    value: `${namespace}:cred:${id}`,
    fence: `${namespace}:fence:${id}`,
    lock: `${namespace}:lock:${id}`,
    news: `${namespace}:news:${id}`,
    free: `${namespace}:free:${id}`,
  };
}

/** The pattern of every `news` (or `free`) channel of a namespace. */
export const channelPattern = (namespace: string, kind: 'news' | 'free') => `${namespace}:${kind}:*`;

/** The Redis name of an expiring entry (a pending flow, a session's liveness) of `key` under `kind`. */
export function expiringName(namespace: string, kind: string, key: string): string {
  return `${namespace}:${kind}:${createHash('sha256').update(key).digest('base64url')}`;
}
