/**
 * Sessions of a web backend: created at sign-in under a fresh random id (the cookie), found by it on every
 * request, their tokens renewed once across every instance ({@link renewOnce} over the shared store and
 * lock, one renewal per instance in flight), ended everywhere by removing them from the store.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isFresh } from '../../../machines/shared/freshness.js';
import type { OidcSignIn } from '../../../machines/shared/tokens.js';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { renewPersonTokens } from '../../flows/authorization-code.js';
import type { OidcClient } from '../../protocol/oidc.js';
import { renewOnce } from '../../session/renew-once.js';
import { renewKeepingRefreshToken } from '../../session/session.js';
import type { ServerSession, ServerStores } from './server-stores.js';

/** How sessions live. */
export interface SessionPolicy {
  /** A session ends after this long without a request, ms. */
  readonly idleMs: number;
  /** A session ends this long after sign-in whatever happens, ms. */
  readonly absoluteMs: number;
  /** Renew when fewer than this many ms of the access token remain. */
  readonly leewayMs: number;
  /** The longest wait for another instance's renewal, ms. */
  readonly waitMs: number;
  /** The deadline of one renewal at the IdP, ms; shorter than the lock's lease. */
  readonly renewTimeoutMs: number;
  /** The renewal lock's lease, ms. */
  readonly lockTtlMs: number;
}

/** A session found for a request, with its store key. */
export interface FoundSession {
  readonly key: string;
  readonly session: ServerSession;
}

/** The sessions of one server. */
export function serverSessions(stores: ServerStores, oidc: OidcClient, policy: SessionPolicy, now: () => number) {
  const inFlight = new Map<string, Promise<ServerSession>>();

  /** Creates a session for a sign-in; answers the new cookie value (the only place it exists). */
  async function create(signIn: OidcSignIn, project: string): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const key = keyOf(id);
    const createdAt = now();
    const session: ServerSession = {
      tokens: signIn.tokens,
      claims: signIn.claims,
      project,
      createdAt,
      endsAt: createdAt + policy.absoluteMs,
    };
    await stores.sessions.write(key, session, null);
    await stores.liveness.put(key, '1', policy.idleMs);
    return id;
  }

  /** The live session of a cookie value, touching its idle lifetime; `null` when there is none. */
  async function find(id: string | null): Promise<FoundSession | null> {
    if (!id) return null;
    const key = keyOf(id);
    const [held, alive] = await Promise.all([stores.sessions.read(key), stores.liveness.touch(key, policy.idleMs)]);
    if (!held) return null;
    if (!alive || held.credential.endsAt <= now()) {
      await end(key);
      return null;
    }
    return { key, session: held.credential };
  }

  /**
   * A usable access token of the session: the stored one while fresh, else renewed once everywhere. One
   * renewal per session in this process; a caller's `signal` ends its own wait, not the renewal others share.
   */
  async function accessToken(found: FoundSession, signal?: AbortSignal): Promise<string> {
    if (isFresh(found.session.tokens, now(), policy.leewayMs)) return found.session.tokens.accessToken;
    let renewal = inFlight.get(found.key);
    if (!renewal) {
      renewal = renewSession({ stores, oidc, policy, now, end }, found).finally(() => inFlight.delete(found.key));
      inFlight.set(found.key, renewal);
    }
    return (await untilAborted(renewal, signal)).tokens.accessToken;
  }

  /** Ends a session on every instance: gone from the store, and from liveness. */
  async function end(key: string): Promise<void> {
    await Promise.all([stores.sessions.remove(key), stores.liveness.remove(key)]);
  }

  return { create, find, accessToken, end };
}

/** What a renewal needs of its server. */
interface RenewalContext {
  readonly stores: ServerStores;
  readonly oidc: OidcClient;
  readonly policy: SessionPolicy;
  readonly now: () => number;
  readonly end: (key: string) => Promise<void>;
}

/** Renews a session's tokens through {@link renewOnce}; a refused refresh token ends the session everywhere. */
async function renewSession(context: RenewalContext, found: FoundSession): Promise<ServerSession> {
  const { stores, policy, now } = context;
  const refresh = renewPersonTokens(context.oidc, () => found.session.claims);
  const outcome = await renewOnce<ServerSession>({
    store: stores.sessions,
    lock: stores.lock,
    key: found.key,
    current: found.session,
    renew: async (stored, renewSignal) => {
      const deadline = AbortSignal.any([renewSignal, AbortSignal.timeout(policy.renewTimeoutMs)]);
      return { ...stored, tokens: await renewKeepingRefreshToken(refresh, stored.tokens, deadline) };
    },
    isUsable: (candidate) => isFresh(candidate.tokens, now(), policy.leewayMs),
    waitMs: policy.waitMs,
    lockTtlMs: policy.lockTtlMs,
  }).catch(async (error: unknown) => {
    if (error instanceof AuthFlowError && error.code === 'notLoggedIn') throw signedOut();
    // The IdP refused the refresh token (expired, revoked, or spent by a holder that died): the session
    // is over on every instance, not retried on every request.
    if (error instanceof AuthFlowError && (error.code === 'invalidGrant' || error.code === 'reauthRequired')) {
      await context.end(found.key);
      throw new AuthFlowError(
        {
          code: 'reauthRequired',
          message: 'The session can no longer be renewed (the IdP refused its refresh token); sign in again.',
        },
        { cause: error },
      );
    }
    throw error;
  });
  return outcome.credential;
}

/** `work`, or `cancelled` as soon as `signal` aborts (the work goes on for whoever else waits on it). */
function untilAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(cancelledWait());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelledWait());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const cancelledWait = () => new AuthFlowError({ code: 'cancelled', message: 'Waiting for the token was cancelled.' });

/** The store key of a cookie value: a hash, so that neither Redis nor a log line holds the cookie. */
export const keyOf = (id: string) => `session:${createHash('sha256').update(id).digest('base64url')}`;

/** The CSRF token of a session: derived from its cookie, which scripts of other sites cannot read. */
export const csrfTokenOf = (id: string) => createHash('sha256').update(`csrf:${id}`).digest('base64url');

/** The one error of a request without a session. */
export const signedOut = () =>
  new AuthFlowError({ code: 'notLoggedIn', message: 'This request has no live session; sign in first.' });
