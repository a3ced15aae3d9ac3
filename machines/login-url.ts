/**
 * The legacy CDF login-URL flow (docs/cdf-api.md, "The seed"): fetch a login URL for a project, send the
 * browser to the project's IdP, take the callback that CDF sends back with `access_token` and
 * `id_token`, and validate them at `/login/token` and `/login/status`.
 *
 * The machine decides; the driver does every effect through the named actors below.
 */
import { assign, setup } from 'xstate';
import type { CallbackWaitContext, CallbackWaitEvent } from './shared/callback-wait.js';
import { awaitingCallback, judgeCallback, notWaitingYet, redirectingToIdp } from './shared/callback-wait.js';
import type { MachineTypes } from './shared/contract.js';
import { type Failure, failOnError, failOnTimeout, failWhen } from './shared/failure.js';
import { notProvided } from './shared/not-provided.js';
import { ENDINGS, type FlowOutput, failureAt, flowOutput } from './shared/outcome.js';

/** What a failure or a cancel forgets: the flow's secrets. */
const FORGOTTEN = { tokens: null, session: null } as const;

/** What the driver parsed out of the landing URL of the redirect back to the app. */
export type LoginCallback =
  | {
      /** CDF sent the browser back with tokens. */
      readonly kind: 'tokens';
      /** The flow id the driver put on the redirect URL, as it came back; `null` when absent. */
      readonly flowId: string | null;
      /** The legacy access token. Secret. */
      readonly accessToken: string;
      /** The legacy ID token. Secret. */
      readonly idToken: string;
    }
  | {
      /** CDF (or the IdP through it) sent the browser back with an error. */
      readonly kind: 'error';
      /** The flow id, as it came back; `null` when absent. */
      readonly flowId: string | null;
      /** The `error` parameter, reduced to a short token of `[A-Za-z0-9_.-]`. */
      readonly error: string;
    }
  | {
      /** A URL that could not be read. */
      readonly kind: 'invalid';
      /** Why the URL could not be read; holds no parameter value. */
      readonly reason: string;
      /** The flow id, when it could be read: a malformed callback of this flow fails it, any other is stray. */
      readonly flowId?: string | null;
    };

/** The legacy token pair as the callback delivered it. Secrets: never log or persist unredacted. */
export interface LegacyTokens {
  /** The legacy access token, sent to CDF as `Authorization: Bearer …`. */
  readonly accessToken: string;
  /** The legacy ID token. */
  readonly idToken: string;
}

/** The answers of `/login/token` and `/login/status` for a token pair, as the driver fetched them. */
export interface LegacyValidation {
  /** What `/login/token` said of the token. */
  readonly token: {
    /** CDF issued it. */
    readonly valid: boolean;
    /** It has expired. */
    readonly expired: boolean;
  };
  /** What `/login/status` said of the session. */
  readonly status: {
    /** CDF accepts the token. */
    readonly loggedIn: boolean;
    /** Who is signed in. */
    readonly user: string;
    /** The project the token is for. */
    readonly project: string;
    /** Its numeric id. */
    readonly projectId: number;
  };
  /** Expiry of the ID token (`expire_time`/`exp`, in ms since epoch) when it could be read; for scheduling only. */
  readonly expiresAt: number | null;
}

/** A signed-in legacy session: the machine's output. */
export interface LoginUrlSession extends LegacyTokens {
  /** Who is signed in. */
  readonly user: string;
  /** The project. */
  readonly project: string;
  /** Its numeric id. */
  readonly projectId: number;
  /** When the tokens expire (ms since epoch), where CDF said. */
  readonly expiresAt: number | null;
}

/** How long each waiting state may last, in milliseconds. */
export interface LoginUrlTimeouts {
  /** Fetching the login URL from CDF. */
  readonly fetchMs: number;
  /** Handing the URL to the browser (opening it, or starting the page navigation). */
  readonly navigateMs: number;
  /** From START until the callback must have arrived: the time a person has to sign in. */
  readonly callbackMs: number;
  /** Validating the tokens at CDF. */
  readonly validateMs: number;
}

/** Defaults for {@link LoginUrlTimeouts}: 15 s per request, 5 minutes to sign in. */
export const defaultLoginUrlTimeouts: LoginUrlTimeouts = {
  fetchMs: 15_000,
  navigateMs: 15_000,
  callbackMs: 300_000,
  validateMs: 15_000,
};

/** What the machine is created with. */
export interface LoginUrlInput {
  /** The project's URL name, e.g. `publicdata`. */
  readonly project: string;
  /** Where CDF sends the browser back to, without the flow id (the driver adds it). */
  readonly redirectUrl: string;
  /** Where CDF sends the browser on failure; defaults to `redirectUrl` at CDF. */
  readonly errorRedirectUrl?: string;
  /** Overrides of {@link defaultLoginUrlTimeouts}. */
  readonly timeouts?: Partial<LoginUrlTimeouts>;
  /**
   * Stay in `awaitingCallback` on a callback without this attempt's flow id, counting it in
   * `ignoredCallbacks`, instead of failing: for a loopback listener that any local page can reach
   * (RFC 8252 8.3), where a stray request must not end the sign-in. @default false
   */
  readonly ignoreStrayCallbacks?: boolean;
}

/** START: the attempt's flow id and the time. */
export interface LoginUrlAttempt {
  /** The new attempt's single-use flow id, from a CSPRNG. */
  readonly flowId: string;
  /** The time, ms since epoch. */
  readonly now: number;
}

/** Context of {@link loginUrlMachine}. Holds tokens once the callback arrived: treat snapshots as secrets. */
export interface LoginUrlContext extends CallbackWaitContext {
  /** The project to sign in to. */
  readonly project: string;
  /** Where CDF sends the browser back to. */
  readonly redirectUrl: string;
  /** Where CDF sends the browser on failure, or `null` for `redirectUrl`. */
  readonly errorRedirectUrl: string | null;
  /** The timeouts in force. */
  readonly timeouts: LoginUrlTimeouts;
  /** The single-use id of the current attempt; a callback must carry it. */
  readonly flowId: string | null;
  /** The IdP URL CDF gave for this attempt. */
  readonly loginUrl: string | null;
  /** The tokens the callback carried. Secret. */
  readonly tokens: LegacyTokens | null;
  /** The signed-in session, once CDF validated the tokens. */
  readonly session: LoginUrlSession | null;
}

/** Events of {@link loginUrlMachine}. */
export type LoginUrlEvent = CallbackWaitEvent<LoginUrlAttempt, LoginCallback>;

/** What the machine ends with: signed in with the session, failed, or cancelled. */
export type LoginUrlOutput = FlowOutput<LoginUrlSession>;
/** Input of the `fetchLoginUrl` actor. */
export interface FetchLoginUrlInput {
  /** The project. */
  readonly project: string;
  /** The redirect URL, to which the driver adds the flow id. */
  readonly redirectUrl: string;
  /** The error redirect URL, or `null`. */
  readonly errorRedirectUrl: string | null;
  /** The flow id the callback must carry back. */
  readonly flowId: string;
}

const foreignCallback: Failure = {
  code: 'stateMismatch',
  message: 'A callback arrived that this flow did not start (missing or wrong flow id); it was refused. Sign in again.',
};

/** The callback is judged the same way whether or not the opener has reported back yet. */
const onCallback = [
  ...judgeCallback(callbackOf),
  failWhen('isForeignCallback', callbackOf, foreignCallback),
  failWhen('isIdpError', callbackOf, idpError),
  { target: 'validatingToken', actions: { type: 'takeTokens', params: callbackOf } },
] as const;

/** START begins the attempt, and only with a usable flow id. */
const beginAttempt = {
  guard: { type: 'isUsableFlowId', params: ({ event }: { event: LoginUrlAttempt }) => event },
  target: 'fetchingLoginUrl',
  actions: { type: 'startAttempt', params: ({ event }: { event: LoginUrlAttempt }) => event },
} as const;

/**
 * The login-URL flow as a state machine.
 *
 * `idle -> fetchingLoginUrl -> redirectingToIdp -> awaitingCallback -> validatingToken -> authenticated`,
 * or `failed` or `cancelled`: all three final (trying again is a new actor with a new flow id). Drivers provide the actors
 * `fetchLoginUrl` (resolves to the URL, or `null` when the project has no IdP), `navigateToIdp`
 * (resolves once the browser was sent) and `validateToken` (resolves to a {@link LegacyValidation}).
 *
 * @example
 * ```ts
 * const machine = loginUrlMachine.provide({
 *   actors: {
 *     fetchLoginUrl: fromPromise(async (): Promise<string | null> => 'https://idp.example/authorize?...'),
 *     navigateToIdp: fromPromise(async () => {}),
 *     validateToken: fromPromise(async (): Promise<LegacyValidation> => ({
 *       token: { valid: true, expired: false },
 *       status: { loggedIn: true, user: 'alice', project: 'demo', projectId: 1 },
 *       expiresAt: null,
 *     })),
 *   },
 * });
 * const actor = createActor(machine, { input }).start();
 * actor.send({ type: 'START', flowId: crypto.randomUUID(), now: Date.now() });
 * ```
 */
export const loginUrlMachine = setup({
  types: {} as MachineTypes<LoginUrlContext, LoginUrlEvent, LoginUrlInput, LoginUrlOutput>,
  actors: {
    fetchLoginUrl: notProvided<string | null, FetchLoginUrlInput>('fetchLoginUrl'),
    navigateToIdp: notProvided<void, { readonly url: string }>('navigateToIdp'),
    validateToken: notProvided<LegacyValidation, LegacyTokens>('validateToken'),
  },
  delays: {
    fetchTimeout: ({ context }) => context.timeouts.fetchMs,
    navigateTimeout: ({ context }) => context.timeouts.navigateMs,
    // Absolute, so that a flow restored from a snapshot keeps its original deadline.
    callbackTimeout: ({ context }) => Math.max(0, context.callbackDeadline! - context.now),
    validateTimeout: ({ context }) => context.timeouts.validateMs,
  },
  guards: {
    // START comes once, from idle (trying again is a new actor): a flow id is usable when it is not empty.
    isUsableFlowId: (_, attempt: LoginUrlAttempt) => attempt.flowId.length > 0,
    isStrayCallback: ({ context }, callback: LoginCallback) =>
      context.ignoreStrayCallbacks && (callback.flowId ?? null) !== context.flowId,
    isInvalidCallback: (_, callback: LoginCallback) => callback.kind === 'invalid',
    // Runs after isInvalidCallback, so the callback carries a flow id field (maybe null).
    isForeignCallback: ({ context }, callback: LoginCallback) =>
      (callback as Exclude<LoginCallback, { kind: 'invalid' }>).flowId !== context.flowId,
    isIdpError: (_, callback: LoginCallback) => callback.kind === 'error',
    hasNoLoginUrl: (_, output: string | null) => typeof output !== 'string' || output.length === 0,
    isTokenRefused: (_, validation: LegacyValidation) => !validation.token.valid || !validation.status.loggedIn,
    isTokenExpired: (_, validation: LegacyValidation) => validation.token.expired,
    isOtherProject: ({ context }, validation: LegacyValidation) =>
      validation.status.project.toLowerCase() !== context.project.toLowerCase(),
  },
  actions: {
    startAttempt: assign(({ context }, attempt: LoginUrlAttempt) => ({
      flowId: attempt.flowId,
      now: attempt.now,
      callbackDeadline: attempt.now + context.timeouts.callbackMs,
      loginUrl: null,
      tokens: null,
      session: null,
      failure: null,
    })),
    fail: assign(({ context, event }, failure: Failure) => ({
      failure: failureAt(context, failure, event),
      ...FORGOTTEN,
    })),
    forget: assign(FORGOTTEN),
    enterStep: assign((_, step: string) => ({ step })),
    countIgnored: assign({ ignoredCallbacks: ({ context }) => context.ignoredCallbacks + 1 }),
    takeNow: assign((_, now: number) => ({ now })),
    // Runs after the guards above: the callback carries tokens.
    takeTokens: assign((_, callback: LoginCallback) => {
      const { accessToken, idToken } = callback as Extract<LoginCallback, { kind: 'tokens' }>;
      return { tokens: { accessToken, idToken } };
    }),
  },
}).createMachine({
  id: 'loginUrl',
  context: ({ input }) => ({
    project: input.project,
    redirectUrl: input.redirectUrl,
    errorRedirectUrl: input.errorRedirectUrl ?? null,
    timeouts: { ...defaultLoginUrlTimeouts, ...input.timeouts } as LoginUrlTimeouts,
    flowId: null,
    loginUrl: null,
    tokens: null,
    session: null,
    ...notWaitingYet(input),
  }),
  initial: 'idle',
  output: flowOutput<LoginUrlContext, LoginUrlSession>((context) => context.session),
  states: {
    idle: {
      on: {
        START: beginAttempt,
        CANCEL: 'cancelled',
      },
    },
    fetchingLoginUrl: {
      tags: ['busy'],
      entry: { type: 'enterStep', params: 'fetchingLoginUrl' },
      invoke: {
        id: 'fetchLoginUrl',
        src: 'fetchLoginUrl',
        input: ({ context }) => ({
          project: context.project,
          redirectUrl: context.redirectUrl,
          errorRedirectUrl: context.errorRedirectUrl,
          flowId: context.flowId!,
        }),
        onDone: [
          failWhen(
            'hasNoLoginUrl',
            ({ event }: { event: { output: string | null } }) => event.output,
            ({ context }: { context: LoginUrlContext }): Failure => ({
              code: 'noIdpConfigured',
              message: `CDF returned no login URL: project "${context.project}" has no identity provider configured. Sign in with OpenID Connect or ask the project's admin.`,
            }),
          ),
          {
            target: 'redirectingToIdp',
            actions: assign({ loginUrl: ({ event }) => event.output }),
          },
        ],
        onError: failOnError('network'),
      },
      after: {
        fetchTimeout: failOnTimeout('CDF did not answer with a login URL in time; check the base URL and try again.'),
      },
      on: { CANCEL: 'cancelled' },
    },
    redirectingToIdp: redirectingToIdp(
      ({ context }: { context: LoginUrlContext }) => ({ url: context.loginUrl! }),
      onCallback,
      'The browser could not be opened in time; open the login URL by hand (--no-browser).',
    ),
    awaitingCallback: awaitingCallback(onCallback),
    validatingToken: {
      tags: ['busy'],
      entry: { type: 'enterStep', params: 'validatingToken' },
      invoke: {
        id: 'validateToken',
        src: 'validateToken',
        input: ({ context }) => context.tokens!,
        onDone: [
          failWhen('isTokenRefused', validationOf, {
            code: 'tokenRejected',
            message: 'CDF did not accept the tokens from the sign-in; sign in again.',
          }),
          failWhen('isTokenExpired', validationOf, {
            code: 'tokenRejected',
            message: 'The tokens from the sign-in have already expired; check the clock and sign in again.',
          }),
          failWhen(
            'isOtherProject',
            validationOf,
            ({ context }: { context: LoginUrlContext }): Failure => ({
              code: 'projectMismatch',
              message: `The tokens are for another project than "${context.project}"; sign in to the right project.`,
            }),
          ),
          {
            target: 'authenticated',
            actions: assign({
              session: ({ context, event }) => ({
                ...context.tokens!,
                user: event.output.status.user,
                project: event.output.status.project,
                projectId: event.output.status.projectId,
                expiresAt: event.output.expiresAt,
              }),
            }),
          },
        ],
        onError: failOnError('network'),
      },
      after: {
        validateTimeout: failOnTimeout('CDF did not validate the tokens in time; try again.'),
      },
      on: { CANCEL: 'cancelled' },
    },
    ...ENDINGS,
  },
});

/** What CDF said of the tokens. */
function validationOf({ event }: { event: { output: LegacyValidation } }): LegacyValidation {
  return event.output;
}

/** The callback of a CALLBACK event (the transitions that use it are all on CALLBACK). */
function callbackOf({ event }: { event: LoginUrlEvent }): LoginCallback {
  return (event as Extract<LoginUrlEvent, { type: 'CALLBACK' }>).callback;
}

function idpError({ event }: { event: LoginUrlEvent }): Failure {
  const { error } = callbackOf({ event }) as Extract<LoginCallback, { kind: 'error' }>;
  return { code: 'idpError', message: `The sign-in was refused (${error}); try again or ask the project's admin.` };
}
