/**
 * Client credentials (RFC 6749 section 4.4) for services and extractors: the replacement for API keys.
 * Requests a token, keeps it, and requests a new one before it expires.
 */
import { assign, setup } from 'xstate';
import { type Failure, toFailure } from './failure.js';
import { notProvided } from './not-provided.js';
import type { TokenSet } from './tokens.js';

/** What the machine is created with. The client secret stays in the driver. */
export interface ClientCredentialsInput {
  readonly clientId: string;
  readonly scope: string;
  /** Request a new token this long before the current one expires, ms. @default 60000 */
  readonly renewBeforeMs?: number;
  /** Per-request deadline, ms. @default 15000 */
  readonly requestTimeoutMs?: number;
}

/** Context of {@link clientCredentialsMachine}. */
export interface ClientCredentialsContext {
  readonly clientId: string;
  readonly scope: string;
  readonly renewBeforeMs: number;
  readonly requestTimeoutMs: number;
  readonly now: number;
  readonly tokens: TokenSet | null;
  readonly failure: Failure | null;
}

/** Events of {@link clientCredentialsMachine}. `RENEW` asks for a new token now (after a 401, say). */
export type ClientCredentialsEvent =
  | { readonly type: 'START'; readonly now: number }
  | { readonly type: 'RENEW'; readonly now: number }
  | { readonly type: 'RETRY'; readonly now: number }
  | { readonly type: 'CANCEL' };

/**
 * `idle -> requesting -> authenticated`, re-entering `requesting` at `renewBeforeExpiry`; `failed`
 * (RETRY) and `cancelled`. Drivers provide `requestToken`.
 */
export const clientCredentialsMachine = setup({
  types: {
    context: {} as ClientCredentialsContext,
    events: {} as ClientCredentialsEvent,
    input: {} as ClientCredentialsInput,
  },
  actors: {
    requestToken: notProvided<TokenSet, { readonly clientId: string; readonly scope: string }>('requestToken'),
  },
  delays: {
    requestTimeout: ({ context }) => context.requestTimeoutMs,
    renewBeforeExpiry: ({ context }) => Math.max(0, context.tokens!.expiresAt - context.renewBeforeMs - context.now),
  },
  actions: {
    fail: assign((_, failure: Failure) => ({ failure, tokens: null })),
    setNow: assign(({ event }) => ('now' in event ? { now: event.now } : {})),
  },
}).createMachine({
  id: 'clientCredentials',
  context: ({ input }) => ({
    clientId: input.clientId,
    scope: input.scope,
    renewBeforeMs: input.renewBeforeMs ?? 60_000,
    requestTimeoutMs: input.requestTimeoutMs ?? 15_000,
    now: 0,
    tokens: null,
    failure: null,
  }),
  initial: 'idle',
  states: {
    idle: { on: { START: { target: 'requesting', actions: 'setNow' }, CANCEL: 'cancelled' } },
    requesting: {
      tags: ['busy'],
      invoke: {
        id: 'requestToken',
        src: 'requestToken',
        input: ({ context }) => ({ clientId: context.clientId, scope: context.scope }),
        onDone: { target: 'authenticated', actions: assign({ tokens: ({ event }) => event.output, failure: null }) },
        onError: {
          target: 'failed',
          actions: { type: 'fail', params: ({ event }) => toFailure(event.error, 'network') },
        },
      },
      after: {
        requestTimeout: {
          target: 'failed',
          actions: { type: 'fail', params: { code: 'timeout', message: 'The IdP did not issue a token in time.' } },
        },
      },
      on: { CANCEL: 'cancelled' },
    },
    authenticated: {
      after: {
        // When the timer fires, the machine's clock has reached the renewal point.
        renewBeforeExpiry: {
          target: 'requesting',
          actions: assign({
            now: ({ context }) => Math.max(context.now, context.tokens!.expiresAt - context.renewBeforeMs),
          }),
        },
      },
      on: { RENEW: { target: 'requesting', actions: 'setNow' }, CANCEL: 'cancelled' },
    },
    failed: { on: { RETRY: { target: 'requesting', actions: 'setNow' }, CANCEL: 'cancelled' } },
    cancelled: { type: 'final', entry: assign({ tokens: null }) },
  },
});
