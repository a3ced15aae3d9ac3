/**
 * Client credentials (RFC 6749 section 4.4) for services and extractors: the replacement for API keys.
 * Requests a token, asks CDF's token/inspect whether it reaches the project, keeps it, and requests a
 * new one before it expires.
 */
import { assign, setup } from 'xstate';
import type { MachineTypes } from './shared/contract.js';
import { type Failure, failOnError, failOnTimeout } from './shared/failure.js';
import { notProvided } from './shared/not-provided.js';
import { inspectingToken, isOtherProject } from './shared/token-checks.js';
import type { Inspection, TokenSet } from './shared/tokens.js';

/** What the machine is created with. The client secret stays in the driver. */
export interface ClientCredentialsInput {
  /** The confidential client's id at the IdP. */
  readonly clientId: string;
  /** The scopes to ask for (for CDF with Entra ID: `{cluster}/.default`). */
  readonly scope: string;
  /** When set, CDF's token/inspect must list this project (compared without regard to case). */
  readonly project?: string | null;
  /** Request a new token this long before the current one expires, ms. @default 60000 */
  readonly renewBeforeMs?: number;
  /** Per-request deadline, ms. @default 15000 */
  readonly requestTimeoutMs?: number;
}

/** Context of {@link clientCredentialsMachine}. */
export interface ClientCredentialsContext {
  /** The client id at the IdP. */
  readonly clientId: string;
  /** The scopes asked for. */
  readonly scope: string;
  /** How long before expiry a new token is asked for, ms. */
  readonly renewBeforeMs: number;
  /** The per-request deadline, ms. */
  readonly requestTimeoutMs: number;
  /** The project token/inspect must list, or `null`. */
  readonly project: string | null;
  /** The last time (ms since epoch) an event told the machine. */
  readonly now: number;
  /** The current token. Secret. */
  readonly tokens: TokenSet | null;
  /** What token/inspect said of the first token; renewed tokens are for the same client and scope. */
  readonly inspection: Inspection | null;
  /** Why the last request failed, else `null`. */
  readonly failure: Failure | null;
}

/** Events of {@link clientCredentialsMachine}. `RENEW` asks for a new token now (after a 401, say). */
export type ClientCredentialsEvent =
  | {
      /** Ask for the first token. */
      readonly type: 'START';
      /** The time, ms since epoch. */
      readonly now: number;
    }
  | {
      /** Ask for a new token now. */
      readonly type: 'RENEW';
      /** The time, ms since epoch. */
      readonly now: number;
    }
  | {
      /** Ask again after a failure. */
      readonly type: 'RETRY';
      /** The time, ms since epoch. */
      readonly now: number;
    }
  | {
      /** End the flow and forget the token. */
      readonly type: 'CANCEL';
    };

/**
 * The service token while the machine rests in `authenticated`: read it with {@link clientCredentialsOutput}.
 * The machine does not end there (it renews), so this is not an XState output.
 */
export interface ClientCredentialsOutput {
  /** The current token. Secret. */
  readonly tokens: TokenSet;
  /** What CDF's token/inspect said of it. */
  readonly inspection: Inspection;
}

/** The {@link ClientCredentialsOutput} of a snapshot resting in `authenticated`, else `null`. */
export function clientCredentialsOutput(snapshot: {
  matches(state: 'authenticated'): boolean;
  readonly context: ClientCredentialsContext;
}): ClientCredentialsOutput | null {
  const { tokens, inspection } = snapshot.context;
  return snapshot.matches('authenticated') && tokens && inspection ? { tokens, inspection } : null;
}

/**
 * `idle -> requesting -> inspectingToken -> authenticated`, re-entering `requesting` at `renewBeforeExpiry`; `failed`
 * (RETRY) and `cancelled`. Drivers provide `requestToken` and `inspectToken`.
 */
export const clientCredentialsMachine = setup({
  types: {} as MachineTypes<ClientCredentialsContext, ClientCredentialsEvent, ClientCredentialsInput>,
  actors: {
    requestToken: notProvided<TokenSet, { readonly clientId: string; readonly scope: string }>('requestToken'),
    inspectToken: notProvided<Inspection, { readonly accessToken: string }>('inspectToken'),
  },
  delays: {
    requestTimeout: ({ context }) => context.requestTimeoutMs,
    inspectTimeout: ({ context }) => context.requestTimeoutMs,
    renewBeforeExpiry: ({ context }) => Math.max(0, context.tokens!.expiresAt - context.renewBeforeMs - context.now),
  },
  guards: {
    isInspected: ({ context }) => context.inspection !== null,
    isOtherProject,
  },
  actions: {
    fail: assign((_, failure: Failure) => ({ failure, tokens: null })),
    setNow: assign(({ event }) => ('now' in event ? { now: event.now } : {})),
    takeInspection: assign((_, inspection: Inspection) => ({ inspection })),
  },
}).createMachine({
  id: 'clientCredentials',
  context: ({ input }) => ({
    clientId: input.clientId,
    scope: input.scope,
    renewBeforeMs: input.renewBeforeMs ?? 60_000,
    requestTimeoutMs: input.requestTimeoutMs ?? 15_000,
    project: input.project ?? null,
    now: 0,
    tokens: null,
    inspection: null,
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
        onDone: [
          // A renewed token is for the same client and scope: CDF was asked about the first one.
          {
            guard: 'isInspected',
            target: 'authenticated',
            actions: assign({ tokens: ({ event }) => event.output, failure: null }),
          },
          { target: 'inspectingToken', actions: assign({ tokens: ({ event }) => event.output, failure: null }) },
        ],
        onError: failOnError('network'),
      },
      after: {
        requestTimeout: failOnTimeout('The IdP did not issue a token in time.'),
      },
      on: { CANCEL: 'cancelled' },
    },
    inspectingToken: inspectingToken<ClientCredentialsContext>(),
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
    cancelled: { type: 'final', entry: assign({ tokens: null, inspection: null }) },
  },
});
