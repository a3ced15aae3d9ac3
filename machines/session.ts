/**
 * The session: owns the credential of whichever flow produced it, from sign-in to logout. Answers
 * `GET_TOKEN` while the credential is fresh ({@link isFresh}), renews once however many callers wait,
 * and rests in `reauthRequired` (no loop) when the renewal is refused. How a credential renews is the
 * `renew` actor its kind provides: a refresh-token grant (a person), a new client-credentials request (a
 * service), or none (a login-URL token, an API key: the actor refuses with `reauthRequired`).
 */
import { assign, setup } from 'xstate';
import type { MachineTypes } from './shared/contract.js';
import { type Failure, needsNewSignIn, toFailure } from './shared/failure.js';
import { DEFAULT_LEEWAY_MS, isFresh } from './shared/freshness.js';
import { notProvided } from './shared/not-provided.js';
import type { TokenSet } from './shared/tokens.js';

/** What the session starts with. */
export interface SessionInput {
  /** The tokens a flow produced. */
  readonly tokens: TokenSet;
  /** Refresh when fewer than this many ms remain. @default 30000 */
  readonly leewayMs?: number;
  /** Deadline of one renewal, ms. @default 15000 */
  readonly renewTimeoutMs?: number;
}

/** What the session ends with, in its final `loggedOut` state. */
export interface SessionOutput {
  /** The session ended on LOGOUT; its credential is forgotten. */
  readonly status: 'loggedOut';
}

/** Context of {@link sessionMachine}. Holds tokens: treat snapshots as secrets. */
export interface SessionContext {
  /** The current tokens; `null` once logged out or refused. Secret. */
  readonly tokens: TokenSet | null;
  /** Refresh when fewer than this many ms remain. */
  readonly leewayMs: number;
  /** The deadline of one refresh, ms. */
  readonly renewTimeoutMs: number;
  /** Set when the last refresh failed for a passing reason; waiting callers get it. */
  readonly failure: Failure | null;
  /** True when the current token came from a refresh that a 401 asked for. */
  readonly refreshedFor401: boolean;
}

/** Events of {@link sessionMachine}. */
export type SessionEvent =
  | {
      /** A caller wants a token: answered at once while fresh, else after one refresh. */
      readonly type: 'GET_TOKEN';
      /** The time, ms since epoch. */
      readonly now: number;
    }
  | {
      /** CDF answered 401 to a call with `accessToken`: refresh once, unless that token is already replaced. */
      readonly type: 'UNAUTHORIZED';
      /** The access token CDF refused. Secret. */
      readonly accessToken: string;
      /** The time, ms since epoch. */
      readonly now: number;
    }
  | {
      /** Renew now. */
      readonly type: 'RENEW';
      /** The time, ms since epoch. */
      readonly now: number;
    }
  | {
      /** Tokens that another tab (or process) obtained for the same session: taken as they are. */
      readonly type: 'TOKENS';
      /** Those tokens. Secret. */
      readonly tokens: TokenSet;
    }
  | {
      /** End the session and forget the tokens. */
      readonly type: 'LOGOUT';
    };

/**
 * `authenticated -> renewing -> authenticated | reauthRequired`, `loggedOut` on LOGOUT.
 * Drivers provide `renew` (input: the current {@link TokenSet}; output: the new one).
 * @see RFC 6749 section 6 (a refresh without a new refresh token keeps the old one)
 */
export const sessionMachine = setup({
  types: {} as MachineTypes<SessionContext, SessionEvent, SessionInput, SessionOutput>,
  actors: {
    renew: notProvided<TokenSet, TokenSet>('renew'),
  },
  delays: {
    renewTimeout: ({ context }) => context.renewTimeoutMs,
  },
  guards: {
    isStale: ({ context }, now: number) => !isFresh(context.tokens!, now, context.leewayMs),
    isCurrentToken: ({ context }, accessToken: string) => accessToken === context.tokens!.accessToken,
    isCurrentTokenFromA401Refresh: ({ context }, accessToken: string) =>
      context.refreshedFor401 && accessToken === context.tokens!.accessToken,
    needsReauth: (_, failure: Failure) => needsNewSignIn(failure.code),
  },
  actions: {
    clear: assign({ tokens: null }),
  },
}).createMachine({
  id: 'session',
  context: ({ input }) => ({
    tokens: input.tokens,
    leewayMs: input.leewayMs ?? DEFAULT_LEEWAY_MS,
    renewTimeoutMs: input.renewTimeoutMs ?? 15_000,
    failure: null,
    refreshedFor401: false,
  }),
  initial: 'authenticated',
  output: { status: 'loggedOut' },
  states: {
    authenticated: {
      on: {
        GET_TOKEN: {
          guard: { type: 'isStale', params: ({ event }) => event.now },
          target: 'renewing',
          actions: assign({ refreshedFor401: false }),
        },
        RENEW: { target: 'renewing', actions: assign({ refreshedFor401: false }) },
        TOKENS: { actions: assign({ tokens: ({ event }) => event.tokens, failure: null, refreshedFor401: false }) },
        UNAUTHORIZED: [
          // CDF refuses the token that a 401 already made us refresh: one refresh and one retry were spent.
          {
            guard: { type: 'isCurrentTokenFromA401Refresh', params: ({ event }) => event.accessToken },
            target: 'reauthRequired',
            actions: assign({
              failure: { code: 'reauthRequired', message: 'CDF refused a freshly refreshed token; sign in again.' },
            }),
          },
          {
            guard: { type: 'isCurrentToken', params: ({ event }) => event.accessToken },
            target: 'renewing',
            actions: assign({ refreshedFor401: true }),
          },
        ],
        LOGOUT: 'loggedOut',
      },
    },
    renewing: {
      tags: ['busy'],
      entry: assign({ failure: null }),
      invoke: {
        id: 'renew',
        src: 'renew',
        input: ({ context }) => context.tokens!,
        onDone: {
          target: 'authenticated',
          actions: assign({
            // RFC 6749 6: no new refresh token in the answer means the old one stays valid.
            tokens: ({ context, event }) => ({
              ...event.output,
              ...(event.output.refreshToken ? {} : { refreshToken: context.tokens!.refreshToken }),
            }),
          }),
        },
        onError: [
          {
            guard: { type: 'needsReauth', params: ({ event }) => toFailure(event.error, 'network') },
            target: 'reauthRequired',
            actions: assign({ failure: ({ event }) => toFailure(event.error, 'network') }),
          },
          { target: 'authenticated', actions: assign({ failure: ({ event }) => toFailure(event.error, 'network') }) },
        ],
      },
      after: {
        renewTimeout: {
          target: 'authenticated',
          actions: assign({ failure: { code: 'timeout', message: 'The refresh got no answer in time; try again.' } }),
        },
      },
      on: { LOGOUT: 'loggedOut' },
    },
    reauthRequired: {
      entry: 'clear',
      on: { LOGOUT: 'loggedOut' },
    },
    loggedOut: { type: 'final', entry: 'clear' },
  },
});
