/**
 * The device authorization grant (RFC 8628) for CLIs without a browser: ask for a code, show the
 * person `user_code` and `verification_uri`, poll the token endpoint at the interval the IdP asks for.
 */
import { assign, setup } from 'xstate';
import type { MachineTypes } from './shared/contract.js';
import { type Failure, failOnError, failOnTimeout, failWhen, failWith, toFailure } from './shared/failure.js';
import { notProvided } from './shared/not-provided.js';
import { ENDINGS, type FlowOutput, type FlowProgress, failureAt } from './shared/outcome.js';
import { inspectingToken, isOtherProject, signInOutput, validatingIdToken } from './shared/token-checks.js';
import type { IdClaims, Inspection, OidcSignIn, TokenSet } from './shared/tokens.js';

/** What a failure or a cancel forgets: the flow's secrets. */
const FORGOTTEN = { tokens: null, claims: null, authorization: null } as const;

/** The device authorization response (RFC 8628 section 3.2), normalised. `deviceCode` is a secret. */
export interface DeviceAuthorization {
  /** The device code the poll sends. Secret. */
  readonly deviceCode: string;
  /** The code the person types at the verification URI. */
  readonly userCode: string;
  /** Where the person goes to enter the code. */
  readonly verificationUri: string;
  /** The verification URI with the code in it, where the IdP gives one (Entra ID does not). */
  readonly verificationUriComplete?: string;
  /** Seconds until the device code expires. */
  readonly expiresIn: number;
  /** Seconds between polls; absent means 5 (section 3.2). */
  readonly interval?: number;
}

/** What one poll of the token endpoint answered (section 3.5). */
export type PollResult =
  | {
      /** The person approved: the IdP issued tokens. */
      readonly kind: 'tokens';
      /** The tokens. Secret. */
      readonly tokens: TokenSet;
    }
  | {
      /**
       * `authorization_pending`: ask again after the interval; `slow_down`: ask less often; `denied`:
       * the person refused (`access_denied`, Entra's `authorization_declined`); `expired`: the code is dead.
       */
      readonly kind: 'pending' | 'slowDown' | 'denied' | 'expired';
    };

/** What the machine is created with. */
export interface DeviceCodeInput {
  /** The public client's id at the IdP. */
  readonly clientId: string;
  /** The scopes to ask for. */
  readonly scope: string;
  /** When set, CDF's token/inspect must list this project. */
  readonly project?: string | null;
  /** Per-request deadline, ms. @default 15000 */
  readonly requestTimeoutMs?: number;
}

/** Context of {@link deviceCodeMachine}. */
export interface DeviceCodeContext extends FlowProgress {
  /** The client id at the IdP. */
  readonly clientId: string;
  /** The scopes asked for. */
  readonly scope: string;
  /** The project token/inspect must list, or `null`. */
  readonly project: string | null;
  /** The per-request deadline, ms. */
  readonly requestTimeoutMs: number;
  /** The machine's clock (ms since epoch): START's time, moved on by each interval waited. */
  readonly now: number;
  /** The device authorization being polled. Holds the device code: secret. */
  readonly authorization: DeviceAuthorization | null;
  /** Absolute time (ms) after which the device code is dead: polling stops there. */
  readonly deadline: number | null;
  /** Current wait between polls, ms: 5 s by default, +5 s for good on each slow_down. */
  readonly intervalMs: number;
  /** The tokens the poll got. Secret. */
  readonly tokens: TokenSet | null;
  /** The validated ID token's claims. */
  readonly claims: IdClaims | null;
  /** What CDF's token/inspect said. */
  readonly inspection: Inspection | null;
}

/** Events of {@link deviceCodeMachine}. */
export type DeviceCodeEvent =
  | {
      /** Ask for a device code. */
      readonly type: 'START';
      /** The time, ms since epoch. */
      readonly now: number;
    }
  | {
      /** End the flow. */
      readonly type: 'CANCEL';
    };

/** Output of {@link deviceCodeMachine}. */
export type DeviceCodeOutput = FlowOutput<OidcSignIn>;

const FIVE_SECONDS = 5_000;

/**
 * The device-code flow as a state machine:
 * `idle -> requestingCode -> awaitingUser <-> polling -> validatingIdToken -> inspectingToken -> authenticated`.
 * `awaitingUser` runs the `showUserCode` action on entry from `requestingCode` (the driver prints the
 * code); each stay lasts `pollInterval`. `codeExpiry` ends the flow at the device code's deadline.
 *
 * Drivers provide `requestDeviceCode`, `pollToken`, `validateIdToken`, `inspectToken` and the action
 * `showUserCode`.
 * @see RFC 8628 sections 3.2 to 3.5
 */
export const deviceCodeMachine = setup({
  types: {} as MachineTypes<DeviceCodeContext, DeviceCodeEvent, DeviceCodeInput, DeviceCodeOutput>,
  actors: {
    requestDeviceCode: notProvided<DeviceAuthorization, { readonly clientId: string; readonly scope: string }>(
      'requestDeviceCode',
    ),
    pollToken: notProvided<PollResult, { readonly deviceCode: string }>('pollToken'),
    validateIdToken: notProvided<IdClaims, { readonly idToken: string; readonly nonce: string | null }>(
      'validateIdToken',
    ),
    inspectToken: notProvided<Inspection, { readonly accessToken: string }>('inspectToken'),
  },
  actions: {
    // The driver shows user_code and verification_uri; never the device code.
    showUserCode: (
      _,
      _params: {
        readonly userCode: string;
        readonly verificationUri: string;
        readonly verificationUriComplete?: string;
      },
    ) => {},
    fail: assign(({ context, event }, failure: Failure) => ({
      failure: failureAt(context, failure, event),
      ...FORGOTTEN,
    })),
    forget: assign(FORGOTTEN),
    enterStep: assign((_, step: string) => ({ step })),
    // Runs after isTokens or hasTokensWithIdToken: the poll answered with tokens.
    takeTokens: assign((_, result: PollResult) => ({
      tokens: (result as Extract<PollResult, { kind: 'tokens' }>).tokens,
      authorization: null,
    })),
    takeClaims: assign((_, claims: IdClaims) => ({ claims })),
    takeInspection: assign((_, inspection: Inspection) => ({ inspection })),
  },
  delays: {
    pollInterval: ({ context }) => context.intervalMs,
    codeExpiry: ({ context }) => Math.max(0, context.deadline! - context.now),
    requestTimeout: ({ context }) => context.requestTimeoutMs,
    validateTimeout: ({ context }) => context.requestTimeoutMs,
    inspectTimeout: ({ context }) => context.requestTimeoutMs,
  },
  guards: {
    isTokens: (_, result: PollResult) => result.kind === 'tokens',
    isPending: (_, result: PollResult) => result.kind === 'pending',
    isSlowDown: (_, result: PollResult) => result.kind === 'slowDown',
    isDenied: (_, result: PollResult) => result.kind === 'denied',
    // RFC 8628 3.5: on a connection timeout, poll less often rather than give up.
    isTransient: (_, failure: Failure) => failure.code === 'timeout' || failure.code === 'network',
    hasTokensWithIdToken: (_, result: PollResult) => result.kind === 'tokens' && Boolean(result.tokens.idToken),
    isOtherProject,
  },
}).createMachine({
  id: 'deviceCode',
  context: ({ input }) => ({
    clientId: input.clientId,
    scope: input.scope,
    project: input.project ?? null,
    requestTimeoutMs: input.requestTimeoutMs ?? 15_000,
    now: 0,
    authorization: null,
    deadline: null,
    intervalMs: FIVE_SECONDS,
    tokens: null,
    claims: null,
    inspection: null,
    step: 'idle',
    failure: null,
  }),
  initial: 'idle',
  output: signInOutput,
  states: {
    idle: {
      on: {
        START: { target: 'requestingCode', actions: assign({ now: ({ event }) => event.now }) },
        CANCEL: 'cancelled',
      },
    },
    requestingCode: {
      tags: ['busy'],
      entry: [
        { type: 'enterStep', params: 'requestingCode' },
        assign({ failure: null, intervalMs: FIVE_SECONDS, authorization: null, deadline: null }),
      ],
      invoke: {
        id: 'requestDeviceCode',
        src: 'requestDeviceCode',
        input: ({ context }) => ({ clientId: context.clientId, scope: context.scope }),
        onDone: {
          target: 'awaitingUser',
          actions: [
            assign({
              authorization: ({ event }) => event.output,
              deadline: ({ context, event }) => context.now + event.output.expiresIn * 1000,
              intervalMs: ({ event }) => Math.max(event.output.interval ?? 0, 0) * 1000 || FIVE_SECONDS,
            }),
            {
              type: 'showUserCode',
              params: ({ event }) => ({
                userCode: event.output.userCode,
                verificationUri: event.output.verificationUri,
                ...(event.output.verificationUriComplete
                  ? { verificationUriComplete: event.output.verificationUriComplete }
                  : {}),
              }),
            },
          ],
        },
        onError: failOnError('network'),
      },
      after: {
        requestTimeout: failOnTimeout('The IdP did not issue a device code in time.'),
      },
      on: { CANCEL: 'cancelled' },
    },
    awaitingUser: {
      tags: ['waitingForUser'],
      entry: { type: 'enterStep', params: 'awaitingUser' },
      after: {
        pollInterval: 'polling',
        codeExpiry: failWith({
          code: 'expiredToken',
          message: 'The code expired before the sign-in was approved; start again.',
        }),
      },
      on: { CANCEL: 'cancelled' },
    },
    polling: {
      tags: ['busy'],
      // The machine waited exactly one interval in awaitingUser: its own clock moves on by that much.
      entry: [
        { type: 'enterStep', params: 'polling' },
        assign({ now: ({ context }) => context.now + context.intervalMs }),
      ],
      invoke: {
        id: 'pollToken',
        src: 'pollToken',
        input: ({ context }) => ({ deviceCode: context.authorization!.deviceCode }),
        onDone: [
          {
            guard: { type: 'hasTokensWithIdToken', params: ({ event }) => event.output },
            target: 'validatingIdToken',
            actions: { type: 'takeTokens', params: ({ event }) => event.output },
          },
          {
            guard: { type: 'isTokens', params: ({ event }) => event.output },
            target: 'inspectingToken',
            actions: { type: 'takeTokens', params: ({ event }) => event.output },
          },
          { guard: { type: 'isPending', params: ({ event }) => event.output }, target: 'awaitingUser' },
          {
            guard: { type: 'isSlowDown', params: ({ event }) => event.output },
            target: 'awaitingUser',
            actions: assign({ intervalMs: ({ context }) => context.intervalMs + FIVE_SECONDS }),
          },
          failWhen('isDenied', ({ event }: { event: { output: PollResult } }) => event.output, {
            code: 'accessDenied',
            message: 'The sign-in was refused (access_denied).',
          }),
          failWith({ code: 'expiredToken', message: 'The device code expired (expired_token); start again.' }),
        ],
        onError: [
          {
            guard: { type: 'isTransient', params: ({ event }) => toFailure(event.error, 'network') },
            target: 'awaitingUser',
            actions: assign({ intervalMs: ({ context }) => context.intervalMs * 2 }),
          },
          failOnError('network'),
        ],
      },
      after: {
        codeExpiry: failWith({ code: 'expiredToken', message: 'The code expired while polling; start again.' }),
      },
      on: { CANCEL: 'cancelled' },
    },
    validatingIdToken: validatingIdToken<DeviceCodeContext>(() => null),
    inspectingToken: inspectingToken<DeviceCodeContext>(),
    ...ENDINGS,
  },
});
