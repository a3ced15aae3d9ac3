/**
 * The session facade: `getToken()` for `@cognite/sdk` (`oidcTokenProvider`) and for scripts. Fresh
 * tokens are answered at once; when a renewal is due, every caller waits on the one renewal, and the
 * renewal itself runs through {@link renewOnce}, so that whatever shares the session's store (tabs,
 * processes, instances) renews once too.
 */
import { type Actor, type InspectionEvent, waitFor } from 'xstate';
import type { SessionEvent, sessionMachine } from '../../machines/session.js';
import { DEFAULT_LEEWAY_MS, isFresh } from '../../machines/shared/freshness.js';
import type { TokenSet } from '../../machines/shared/tokens.js';
import { AuthFlowError } from '../errors/auth-flow-error.js';
import { createFlowActor } from '../flows/flow.js';
import { type Renewer, sessionFlow } from '../flows/session.js';
import type { CredentialStore, RenewLock } from './credential-store.js';
import { createMemoryCredentialStore, createMemoryRenewLock } from './memory-credential-store.js';
import { renewOnce, usableWhenFresh } from './renew-once.js';

/** Where a session's tokens live and who may renew them, when more than this session uses them. */
export interface SessionSharing {
  /** The tokens' store (memory, the CLI's token files, the tabs' store, Redis). It should already hold the tokens. */
  readonly store: CredentialStore<TokenSet>;
  /** The lock that lets one holder renew at a time, across everything that shares `store`. */
  readonly lock: RenewLock;
  /** The login's key in `store` and `lock`. */
  readonly key: string;
  /** The longest wait for the lock or for another holder's tokens, ms. @default 60000 */
  readonly waitMs?: number;
}

/** Options of {@link createSession}. */
export interface SessionOptions {
  /** The tokens a flow produced. */
  readonly tokens: TokenSet;
  /** Gets new tokens: a refresh-token grant, or a new client-credentials request. */
  readonly refresh: Renewer;
  /** Refresh when fewer than this many ms remain ({@link isFresh}). @default 30000 */
  readonly leewayMs?: number;
  /** Deadline of one renewal, ms. @default 15000 */
  readonly renewTimeoutMs?: number;
  /** Called with every new token set (to update a cache, say). */
  readonly onTokens?: (tokens: TokenSet) => void;
  /**
   * Share the tokens beyond this session: renewals run under `lock` and are written to `store`, and
   * tokens another holder writes there are taken. Without it, the session keeps its tokens to itself.
   */
  readonly sharing?: SessionSharing;
  /** The session actor's inspection events, as `createActor` takes them (redacted by the caller). */
  readonly inspect?: (event: InspectionEvent) => void;
}

/** What {@link createSession} returns. */
export interface Session {
  /**
   * A valid access token: the current one while fresh, else a refreshed one. Safe to pass unbound,
   * e.g. `new CogniteClient({ oidcTokenProvider: session.getToken, ... })`.
   */
  readonly getToken: () => Promise<string>;
  /** Tells the session that CDF answered 401 to `accessToken`: at most one refresh follows. */
  readonly reportUnauthorized: (accessToken: string) => void;
  /** Forgets the tokens and stops. */
  readonly logout: () => void;
  /** `authenticated`, `renewing`, `reauthRequired` or `loggedOut`. */
  readonly state: () => string;
  /** The running actor, for inspection and UIs. */
  readonly actor: Actor<typeof sessionMachine>;
}

/**
 * Creates a {@link Session} around a token set.
 */
export function createSession(options: SessionOptions): Session {
  const leewayMs = options.leewayMs ?? DEFAULT_LEEWAY_MS;
  const sharing = options.sharing ?? ownSharing(options.tokens);
  // The session's renewal: once across everything that shares the store, with the newest refresh token.
  const renew: Renewer = async (current, signal) => {
    const { credential } = await renewOnce({
      store: sharing.store,
      lock: sharing.lock,
      key: sharing.key,
      current,
      renew: (stored, renewSignal) => renewKeepingRefreshToken(options.refresh, stored, renewSignal),
      isUsable: usableWhenFresh(leewayMs),
      signal,
      ...(sharing.waitMs === undefined ? {} : { waitMs: sharing.waitMs }),
    });
    return credential;
  };
  const actor = createFlowActor(sessionFlow({ renew }), {
    input: { tokens: options.tokens, leewayMs, renewTimeoutMs: options.renewTimeoutMs ?? 15_000 },
    ...(options.inspect ? { inspect: options.inspect } : {}),
  }).start();
  let last = options.tokens.accessToken;
  actor.subscribe((snapshot) => {
    const tokens = snapshot.context.tokens;
    if (tokens && tokens.accessToken !== last) {
      last = tokens.accessToken;
      options.onTokens?.(tokens);
    }
  });
  // Tokens another holder wrote to the shared store are this session's too.
  const unsubscribe = sharing.store.subscribe?.(sharing.key, (update) => {
    if (update && update.credential.accessToken !== actor.getSnapshot().context.tokens?.accessToken)
      actor.send({ type: 'TOKENS', tokens: update.credential });
  });
  actor.subscribe({ complete: () => unsubscribe?.() });
  return facadeOf(actor, leewayMs);
}

/** The one-session sharing: a store and lock of its own, holding the tokens it started with. */
function ownSharing(tokens: TokenSet): SessionSharing {
  const store = createMemoryCredentialStore<TokenSet>();
  const seeded = store.write('session', tokens, null);
  return {
    store: {
      ...store,
      read: async (key, o) => {
        await seeded;
        return store.read(key, o);
      },
    },
    lock: createMemoryRenewLock(),
    key: 'session',
  };
}

/**
 * Renews with `refresh`, keeping the current refresh token when the IdP answered none (RFC 6749 §6): an
 * IdP that does not rotate refresh tokens leaves the old one valid, for every holder.
 */
export async function renewKeepingRefreshToken(
  refresh: Renewer,
  current: TokenSet,
  signal: AbortSignal,
): Promise<TokenSet> {
  const next = await refresh(current, signal);
  return next.refreshToken || !current.refreshToken ? next : { ...next, refreshToken: current.refreshToken };
}

/** The {@link Session} over a running session actor. */
function facadeOf(actor: Actor<typeof sessionMachine>, leewayMs: number): Session {
  const send = (event: SessionEvent) => actor.send(event);
  /** The one wait that every caller shares while a refresh runs: callers cost O(1), not an event and a waitFor each. */
  let shared: Promise<string> | undefined;
  const settle = async (): Promise<string> => {
    send({ type: 'GET_TOKEN', now: Date.now() });
    const snapshot = await waitFor(actor, (s) => !s.matches('renewing'), { timeout: Number.POSITIVE_INFINITY });
    const tokens = snapshot.context.tokens;
    // After a refresh that failed for a passing reason, a token inside the leeway still works until it expires.
    if (snapshot.matches('authenticated') && tokens && isFresh(tokens, Date.now(), 0)) return tokens.accessToken;
    if (snapshot.matches('authenticated') && snapshot.context.failure)
      throw new AuthFlowError(snapshot.context.failure);
    if (snapshot.matches('reauthRequired')) {
      throw new AuthFlowError(
        snapshot.context.failure ?? { code: 'reauthRequired', message: 'The session ended; sign in again.' },
      );
    }
    if (snapshot.matches('authenticated')) {
      throw new AuthFlowError({ code: 'reauthRequired', message: 'The token has expired and could not be refreshed.' });
    }
    throw new AuthFlowError({ code: 'cancelled', message: 'The session was logged out.' });
  };
  const getToken = (): Promise<string> => {
    const snapshot = actor.getSnapshot();
    const tokens = snapshot.context.tokens;
    // A fresh token is answered from the snapshot: the actor is not touched.
    if (!shared && snapshot.matches('authenticated') && tokens && isFresh(tokens, Date.now(), leewayMs)) {
      return Promise.resolve(tokens.accessToken);
    }
    shared ??= settle().finally(() => {
      shared = undefined;
    });
    return shared;
  };
  return {
    getToken,
    reportUnauthorized: (accessToken) => send({ type: 'UNAUTHORIZED', accessToken, now: Date.now() }),
    logout: () => send({ type: 'LOGOUT' }),
    state: () => {
      const value = actor.getSnapshot().value;
      return typeof value === 'string' ? value : JSON.stringify(value);
    },
    actor,
  };
}
