/**
 * The session flow: the session machine (what happens after sign-in, for every kind of credential) with
 * its one effect, `renew`. How a kind renews is the caller's: the session (`src/session/session.ts`)
 * passes a renewal that runs once across everything that shares the session's store and lock.
 */
import { sessionMachine } from '../../machines/session.js';
import type { TokenSet } from '../../machines/shared/tokens.js';
import { effect, type Flow } from './flow.js';

/** Gets new tokens from the held ones: a refresh-token grant, or a new client-credentials request. */
export type Renewer = (current: TokenSet, signal: AbortSignal) => Promise<TokenSet>;

/** What one session's actor uses. */
export interface SessionEffects {
  readonly renew: Renewer;
}

const machine = sessionMachine.provide({
  actors: {
    renew: effect<SessionEffects>()<TokenSet, TokenSet>((fx, input, signal) => fx.renew(input, signal)),
  },
});

/** The session machine with real effects: `renew` gets the tokens the session holds and finds due. */
export function sessionFlow(effects: SessionEffects): Flow<typeof machine, SessionEffects> {
  return { machine, effects };
}
