/**
 * Client credentials (RFC 6749 section 4.4) for services and extractors: the replacement for API keys.
 * Requests a token and asks CDF's token/inspect whether it reaches the project. Renewing the token later
 * is the session's job (`machines/session.ts`, with a new client-credentials request as its renewal).
 */
import { assign, setup } from 'xstate';
import type { MachineTypes } from './shared/contract.js';
import { type Failure, failOnError, failOnTimeout } from './shared/failure.js';
import { notProvided } from './shared/not-provided.js';
import { ENDINGS, type FlowOutput, type FlowProgress, failureAt, flowOutput } from './shared/outcome.js';
import { inspectingToken, isOtherProject } from './shared/token-checks.js';
import type { Inspection, TokenSet } from './shared/tokens.js';

/** What a failure or a cancel forgets: the flow's secrets. */
const FORGOTTEN = { tokens: null, inspection: null } as const;

/** What the machine is created with. The client secret stays in the driver. */
export interface ClientCredentialsInput {
  /** The confidential client's id at the IdP. */
  readonly clientId: string;
  /** The scopes to ask for (for CDF with Entra ID: `{cluster}/.default`). */
  readonly scope: string;
  /** When set, CDF's token/inspect must list this project (compared without regard to case). */
  readonly project?: string | null;
  /** Per-request deadline, ms. @default 15000 */
  readonly requestTimeoutMs?: number;
}

/** Context of {@link clientCredentialsMachine}. */
export interface ClientCredentialsContext extends FlowProgress {
  /** The client id at the IdP. */
  readonly clientId: string;
  /** The scopes asked for. */
  readonly scope: string;
  /** The per-request deadline, ms. */
  readonly requestTimeoutMs: number;
  /** The project token/inspect must list, or `null`. */
  readonly project: string | null;
  /** The token. Secret. */
  readonly tokens: TokenSet | null;
  /** What token/inspect said of it. */
  readonly inspection: Inspection | null;
}

/** Events of {@link clientCredentialsMachine}. */
export type ClientCredentialsEvent =
  | {
      /** Ask for the token. */
      readonly type: 'START';
    }
  | {
      /** End the flow and forget the token. */
      readonly type: 'CANCEL';
    };

/** A service's sign-in: the token and what CDF's token/inspect said of it. */
export interface ServiceSignIn {
  /** The token. Secret. */
  readonly tokens: TokenSet;
  /** What CDF's token/inspect said of it. */
  readonly inspection: Inspection;
}

/** What the machine ends with: signed in with a {@link ServiceSignIn}, failed, or cancelled. */
export type ClientCredentialsOutput = FlowOutput<ServiceSignIn>;

/**
 * `idle -> requesting -> inspectingToken -> authenticated`, or `failed` or `cancelled`: all three final.
 * Drivers provide `requestToken` and `inspectToken`.
 */
export const clientCredentialsMachine = setup({
  types: {} as MachineTypes<
    ClientCredentialsContext,
    ClientCredentialsEvent,
    ClientCredentialsInput,
    ClientCredentialsOutput
  >,
  actors: {
    requestToken: notProvided<TokenSet, { readonly clientId: string; readonly scope: string }>('requestToken'),
    inspectToken: notProvided<Inspection, { readonly accessToken: string }>('inspectToken'),
  },
  delays: {
    requestTimeout: ({ context }) => context.requestTimeoutMs,
    inspectTimeout: ({ context }) => context.requestTimeoutMs,
  },
  guards: {
    isOtherProject,
  },
  actions: {
    fail: assign(({ context, event }, failure: Failure) => ({
      failure: failureAt(context, failure, event),
      ...FORGOTTEN,
    })),
    forget: assign(FORGOTTEN),
    enterStep: assign((_, step: string) => ({ step })),
    takeInspection: assign((_, inspection: Inspection) => ({ inspection })),
  },
}).createMachine({
  id: 'clientCredentials',
  context: ({ input }) => ({
    clientId: input.clientId,
    scope: input.scope,
    requestTimeoutMs: input.requestTimeoutMs ?? 15_000,
    project: input.project ?? null,
    tokens: null,
    inspection: null,
    step: 'idle',
    failure: null,
  }),
  initial: 'idle',
  // The inspection is taken only on the way into authenticated, and forgotten by a failure or a cancel.
  output: flowOutput<ClientCredentialsContext, ServiceSignIn>(({ tokens, inspection }) =>
    inspection ? { tokens: tokens!, inspection } : null,
  ),
  states: {
    idle: { on: { START: 'requesting', CANCEL: 'cancelled' } },
    requesting: {
      tags: ['busy'],
      entry: { type: 'enterStep', params: 'requesting' },
      invoke: {
        id: 'requestToken',
        src: 'requestToken',
        input: ({ context }) => ({ clientId: context.clientId, scope: context.scope }),
        onDone: { target: 'inspectingToken', actions: assign({ tokens: ({ event }) => event.output }) },
        onError: failOnError('network'),
      },
      after: {
        requestTimeout: failOnTimeout('The IdP did not issue a token in time.'),
      },
      on: { CANCEL: 'cancelled' },
    },
    inspectingToken: inspectingToken<ClientCredentialsContext>(),
    ...ENDINGS,
  },
});
