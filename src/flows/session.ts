/**
 * The session flow: the session machine (what happens after sign-in, for every kind of credential) with
 * its one effect, `renew`, run through {@link renewOnce} over the store and lock the session shares, so
 * that whatever shares them (tabs, processes, instances) renews once.
 */
import { fromPromise } from 'xstate';
import { sessionMachine } from '../../machines/session.js';
import type { TokenSet } from '../../machines/shared/tokens.js';
import type { CredentialStore, RenewLock } from '../session/credential-store.js';
import { renewOnce, usableWhenFresh } from '../session/renew-once.js';

/** Gets new tokens from the held ones: a refresh-token grant, or a new client-credentials request. */
export type Renewer = (current: TokenSet, signal: AbortSignal) => Promise<TokenSet>;

/** Where a session's tokens live and who may renew them. */
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

/** The session machine with real effects: renewals by `refresh`, once across everything that shares `sharing`. */
export function sessionFlow(options: {
  readonly refresh: Renewer;
  readonly sharing: SessionSharing;
  readonly leewayMs: number;
}) {
  const { refresh, sharing, leewayMs } = options;
  return sessionMachine.provide({
    actors: {
      renew: fromPromise<TokenSet, TokenSet>(async ({ input, signal }) => {
        const { credential } = await renewOnce({
          store: sharing.store,
          lock: sharing.lock,
          key: sharing.key,
          current: input,
          renew: (stored, renewSignal) => renewKeepingRefreshToken(refresh, stored, renewSignal),
          isUsable: usableWhenFresh(leewayMs),
          signal,
          ...(sharing.waitMs === undefined ? {} : { waitMs: sharing.waitMs }),
        });
        return credential;
      }),
    },
  });
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
