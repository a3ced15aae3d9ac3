/**
 * The session facade: `getToken()` for `@cognite/sdk` (`oidcTokenProvider`) and for scripts. Fresh
 * tokens are answered at once; when a refresh is due, every caller waits on the one refresh.
 */
import { type Actor, createActor, fromPromise, waitFor } from 'xstate';
import { type SessionEvent, sessionMachine } from '../../machines/session.js';
import { DEFAULT_LEEWAY_MS, isFresh } from '../../machines/shared/freshness.js';
import type { TokenSet } from '../../machines/shared/tokens.js';
import { AuthFlowError } from '../errors/auth-flow-error.js';

/** Options of {@link createSession}. */
export interface SessionOptions {
  /** The tokens a flow produced. */
  readonly tokens: TokenSet;
  /** Gets new tokens: a refresh-token grant, or a new client-credentials request. */
  readonly refresh: (current: TokenSet, signal: AbortSignal) => Promise<TokenSet>;
  /** Refresh when fewer than this many ms remain. @default 30000 */
  readonly leewayMs?: number;
  /** Deadline of one refresh, ms. @default 15000 */
  readonly renewTimeoutMs?: number;
  /** Called with every new token set (to update a cache, say). */
  readonly onTokens?: (tokens: TokenSet) => void;
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
 *
 * @example
 * ```ts
 * const session = createSession({ tokens, refresh: (t, signal) => idp.refresh(t.refreshToken!, signal) });
 * const client = new CogniteClient({ appId, project, baseUrl, oidcTokenProvider: session.getToken });
 * ```
 */
export function createSession(options: SessionOptions): Session {
  const leewayMs = options.leewayMs ?? DEFAULT_LEEWAY_MS;
  const actor = createActor(
    sessionMachine.provide({
      actors: {
        renew: fromPromise<TokenSet, TokenSet>(async ({ input, signal }) => {
          const next = await options.refresh(input, signal);
          return next;
        }),
      },
    }),
    {
      input: {
        tokens: options.tokens,
        leewayMs,
        renewTimeoutMs: options.renewTimeoutMs ?? 15_000,
      },
    },
  ).start();
  let last = options.tokens.accessToken;
  actor.subscribe((snapshot) => {
    const tokens = snapshot.context.tokens;
    if (tokens && tokens.accessToken !== last) {
      last = tokens.accessToken;
      options.onTokens?.(tokens);
    }
  });

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
