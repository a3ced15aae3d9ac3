/**
 * OpenID Connect authorization code with PKCE (RFC 6749 4.1, RFC 7636, RFC 9207, RFC 8252 for the
 * loopback redirect): discover the IdP, send the browser to it, check the callback's `state` and `iss`
 * before the code is redeemed (once), validate the ID token, and ask CDF's `/api/v1/token/inspect`.
 */
import { assign, setup } from 'xstate';
import type { CallbackWaitContext, CallbackWaitEvent } from './shared/callback-wait.js';
import { awaitingCallback, judgeCallback, notWaitingYet, redirectingToIdp } from './shared/callback-wait.js';
import type { MachineTypes } from './shared/contract.js';
import { type Failure, failOnError, failOnTimeout, failWhen } from './shared/failure.js';
import { notProvided } from './shared/not-provided.js';
import { ENDINGS, type FlowOutput, failureAt } from './shared/outcome.js';
import { inspectingToken, isOtherProject, signInOutput, validatingIdToken } from './shared/token-checks.js';
import type { IdClaims, IdpMetadata, Inspection, OidcSignIn, TokenSet } from './shared/tokens.js';

/** What a failure or a cancel forgets: the flow's secrets. */
const FORGOTTEN = { tokens: null, claims: null, callbackUrl: null } as const;

export type { OidcSignIn } from './shared/tokens.js';

/** The authorization response as the driver parsed it from the callback URL. */
export type AuthorizationCallback =
  | {
      /** A URL that could be read. */
      readonly kind: 'response';
      /** Every parameter, as received (`code`, `state`, `iss`, `error`, ...). Unknown ones are ignored. */
      readonly params: Readonly<Record<string, string>>;
      /** The full callback URL, for the driver's own re-check when it redeems the code. Secret. */
      readonly url: string;
    }
  | {
      /** A URL that could not be read. */
      readonly kind: 'invalid';
      /** Why, without repeating any parameter's value. */
      readonly reason: string;
      /** Always empty: nothing from an unreadable URL is used. */
      readonly params?: Readonly<Record<string, string>>;
    };

/** The per-attempt secrets, made by the driver from a CSPRNG: new for every attempt (a new actor). */
export interface AuthorizationAttempt {
  /** The `state` parameter: ties the callback to this attempt (RFC 9700 2.1). */
  readonly state: string;
  /** The `nonce` the ID token must carry (OIDC Core 3.1.2.1). */
  readonly nonce: string;
  /** The PKCE code verifier (RFC 7636); only its S256 challenge leaves the driver before the exchange. */
  readonly codeVerifier: string;
}

/** START: the attempt's secrets and the time. */
export interface AuthorizationBegin {
  /** The new attempt's secrets. */
  readonly attempt: AuthorizationAttempt;
  /** The time, ms since epoch. */
  readonly now: number;
}

/** Timeouts of the waiting states, in ms. */
export interface AuthorizationCodeTimeouts {
  /** Reading the IdP's metadata. */
  readonly discoverMs: number;
  /** Sending the browser to the IdP. */
  readonly navigateMs: number;
  /** From START until the callback must have arrived. */
  readonly callbackMs: number;
  /** Redeeming the code at the token endpoint. */
  readonly exchangeMs: number;
  /** Validating the ID token (JWKS included). */
  readonly validateMs: number;
  /** CDF's token/inspect. */
  readonly inspectMs: number;
}

/** Defaults for {@link AuthorizationCodeTimeouts}. */
export const defaultAuthorizationCodeTimeouts: AuthorizationCodeTimeouts = {
  discoverMs: 15_000,
  navigateMs: 15_000,
  callbackMs: 300_000,
  exchangeMs: 15_000,
  validateMs: 15_000,
  inspectMs: 15_000,
};

/** What the machine is created with. */
export interface AuthorizationCodeInput {
  /** The configured issuer; the metadata's `issuer` must equal it exactly. */
  readonly issuer: string;
  /** The client id at the IdP (a public client). */
  readonly clientId: string;
  /** The redirect URI, e.g. the loopback listener's `http://127.0.0.1:{port}/callback`. */
  readonly redirectUri: string;
  /** The scopes to ask for, space-separated (for CDF: `{cluster}/.default` with Entra ID). */
  readonly scope: string;
  /** When set, `/api/v1/token/inspect` must list this project. */
  readonly project?: string | null;
  /** Overrides of {@link defaultAuthorizationCodeTimeouts}. */
  readonly timeouts?: Partial<AuthorizationCodeTimeouts>;
  /**
   * Stay in `awaitingCallback` on a callback that does not carry this attempt's `state` (or cannot be
   * read), counting it in `ignoredCallbacks`, instead of failing: for a loopback listener that any
   * local page can reach (RFC 8252 8.3). The code is never redeemed for such a callback. @default false
   */
  readonly ignoreStrayCallbacks?: boolean;
}

/** Context of {@link authorizationCodeMachine}. Holds secrets: treat snapshots as secrets. */
export interface AuthorizationCodeContext extends CallbackWaitContext {
  /** The configured issuer. */
  readonly issuer: string;
  /** The client id at the IdP. */
  readonly clientId: string;
  /** The redirect URI of this sign-in. */
  readonly redirectUri: string;
  /** The scopes asked for. */
  readonly scope: string;
  /** The project token/inspect must list, or `null`. */
  readonly project: string | null;
  /** The timeouts in force. */
  readonly timeouts: AuthorizationCodeTimeouts;
  /** This attempt's state, nonce and code verifier. Secret. */
  readonly attempt: AuthorizationAttempt | null;
  /** What discovery found, once it ran. */
  readonly metadata: IdpMetadata | null;
  /** The callback URL that carried the code; set once per attempt, so the code is redeemed once. */
  readonly callbackUrl: string | null;
  /** The tokens from the exchange. Secret. */
  readonly tokens: TokenSet | null;
  /** The validated ID token's claims. */
  readonly claims: IdClaims | null;
  /** What CDF's token/inspect said. */
  readonly inspection: Inspection | null;
}

/** Events of {@link authorizationCodeMachine}. */
export type AuthorizationCodeEvent = CallbackWaitEvent<AuthorizationBegin, AuthorizationCallback>;

/** What the machine ends with: signed in with the tokens, claims and inspection, failed, or cancelled. */
export type AuthorizationCodeOutput = FlowOutput<OidcSignIn>;

/** Input of the `navigateToIdp` actor: everything the authorization URL needs. */
export interface NavigateToIdpInput {
  /** The client id at the IdP. */
  readonly clientId: string;
  /** Where the IdP sends the browser back. */
  readonly redirectUri: string;
  /** The scopes to ask for. */
  readonly scope: string;
  /** The attempt whose state, nonce and S256 challenge go into the URL. */
  readonly attempt: AuthorizationAttempt;
}

/** Input of the `exchangeCode` actor. */
export interface ExchangeCodeInput {
  /** The callback URL that carried the code. Secret. */
  readonly callbackUrl: string;
  /** The redirect URI, sent again with the code (RFC 6749 4.1.3). */
  readonly redirectUri: string;
  /** The attempt whose code verifier redeems the code. */
  readonly attempt: AuthorizationAttempt;
}

const AUTHORIZATION_ERRORS = new Set([
  'invalid_request',
  'unauthorized_client',
  'access_denied',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
  'login_required',
  'consent_required',
  'interaction_required',
  'account_selection_required',
]);

/** The callback of a CALLBACK event (the transitions that use it are all on CALLBACK). */
const callbackOf = ({ event }: { event: AuthorizationCodeEvent }): AuthorizationCallback =>
  (event as Extract<AuthorizationCodeEvent, { type: 'CALLBACK' }>).callback;

/** The metadata a discovery resolved to. */
const metadataOf = ({ event }: { event: { output: IdpMetadata } }): IdpMetadata => event.output;

/** The parameters of a readable callback (the guards run after isInvalidCallback). */
const paramsOf = (callback: AuthorizationCallback): Readonly<Record<string, string>> => callback.params ?? {};

const stateMismatch: Failure = {
  code: 'stateMismatch',
  message:
    'The callback carries a state this flow did not issue (or already used); it was refused before any token request.',
};

const issuerMismatch: Failure = {
  code: 'issuerMismatch',
  message:
    'The callback names another issuer, or none where the IdP promised one (RFC 9207); refused before any token request.',
};

const noCode: Failure = {
  code: 'callbackInvalid',
  message: 'The callback carries neither a code nor an error; sign in again.',
};

/** What an attempt has not learned yet when it begins. */
const NOTHING_YET = {
  metadata: null,
  callbackUrl: null,
  tokens: null,
  claims: null,
  inspection: null,
  failure: null,
} as const;

/** The callback is judged the same way whether or not the opener has reported back yet. */
const onCallback = [
  ...judgeCallback(callbackOf),
  failWhen('isStateMismatch', callbackOf, stateMismatch),
  failWhen('isIssuerMismatch', callbackOf, issuerMismatch),
  failWhen('isAuthorizationError', callbackOf, authorizationError),
  failWhen('hasNoCode', callbackOf, noCode),
  { target: 'exchangingCode', actions: { type: 'takeCallback', params: callbackOf } },
] as const;

/** START begins the attempt, and only with usable secrets (a non-empty state). */
const beginAttempt = {
  guard: { type: 'isUsableAttempt', params: ({ event }: { event: AuthorizationBegin }) => event.attempt },
  target: 'discovering',
  actions: { type: 'startAttempt', params: ({ event }: { event: AuthorizationBegin }) => event },
} as const;

/**
 * The authorization-code + PKCE flow as a state machine:
 * `idle -> discovering -> redirectingToIdp -> awaitingCallback -> exchangingCode -> validatingIdToken ->
 * inspectingToken -> authenticated`, or `failed` or `cancelled`: all three final. Trying again is a new actor.
 *
 * Drivers provide `discover`, `navigateToIdp` (builds the URL with an S256 challenge and sends the
 * browser), `exchangeCode`, `validateIdToken` and `inspectToken`.
 * @see RFC 9700 section 2.1, RFC 9207 section 2.4, RFC 6749 section 4.1.2
 */
export const authorizationCodeMachine = setup({
  types: {} as MachineTypes<
    AuthorizationCodeContext,
    AuthorizationCodeEvent,
    AuthorizationCodeInput,
    AuthorizationCodeOutput
  >,
  actors: {
    discover: notProvided<IdpMetadata, { readonly issuer: string }>('discover'),
    navigateToIdp: notProvided<void, NavigateToIdpInput>('navigateToIdp'),
    exchangeCode: notProvided<TokenSet, ExchangeCodeInput>('exchangeCode'),
    validateIdToken: notProvided<IdClaims, { readonly idToken: string; readonly nonce: string | null }>(
      'validateIdToken',
    ),
    inspectToken: notProvided<Inspection, { readonly accessToken: string }>('inspectToken'),
  },
  delays: {
    discoverTimeout: ({ context }) => context.timeouts.discoverMs,
    navigateTimeout: ({ context }) => context.timeouts.navigateMs,
    callbackTimeout: ({ context }) => Math.max(0, context.callbackDeadline! - context.now),
    exchangeTimeout: ({ context }) => context.timeouts.exchangeMs,
    validateTimeout: ({ context }) => context.timeouts.validateMs,
    inspectTimeout: ({ context }) => context.timeouts.inspectMs,
  },
  guards: {
    // START comes once, from idle (trying again is a new actor): an attempt is usable when it has its secrets.
    isUsableAttempt: (_, attempt: AuthorizationAttempt) =>
      attempt.state.length > 0 && attempt.nonce.length > 0 && attempt.codeVerifier.length > 0,
    isOtherIssuer: ({ context }, metadata: IdpMetadata) => metadata.issuer !== context.issuer,
    lacksS256: (_, metadata: IdpMetadata) => !metadata.s256Supported,
    // An unreadable callback has no parameters, so no state: it is stray as well.
    isStrayCallback: ({ context }, callback: AuthorizationCallback) =>
      context.ignoreStrayCallbacks && paramsOf(callback).state !== context.attempt!.state,
    isInvalidCallback: (_, callback: AuthorizationCallback) => callback.kind === 'invalid',
    // A response whose state was never issued, was used, or belongs to another attempt (RFC 9700 2.1).
    isStateMismatch: ({ context }, callback: AuthorizationCallback) =>
      paramsOf(callback).state !== context.attempt!.state,
    // RFC 9207: compare iss when present; require it when the IdP advertises it. Errors included.
    isIssuerMismatch: ({ context }, callback: AuthorizationCallback) => {
      const iss = paramsOf(callback).iss;
      if (iss === undefined) return context.metadata!.issParameterSupported;
      return iss !== context.issuer;
    },
    isAuthorizationError: (_, callback: AuthorizationCallback) => paramsOf(callback).error !== undefined,
    hasNoCode: (_, callback: AuthorizationCallback) => !paramsOf(callback).code,
    hasNoIdToken: (_, tokens: TokenSet) => !tokens.idToken,
    isOtherProject,
  },
  actions: {
    startAttempt: assign(({ context }, start: { readonly attempt: AuthorizationAttempt; readonly now: number }) => ({
      attempt: start.attempt,
      now: start.now,
      callbackDeadline: start.now + context.timeouts.callbackMs,
      ...NOTHING_YET,
    })),
    // Runs after the guards: the callback is a readable response with a code.
    takeCallback: assign((_, callback: AuthorizationCallback) => ({
      callbackUrl: (callback as Extract<AuthorizationCallback, { kind: 'response' }>).url,
    })),
    fail: assign(({ context, event }, failure: Failure) => ({
      failure: failureAt(context, failure, event),
      ...FORGOTTEN,
    })),
    forget: assign(FORGOTTEN),
    enterStep: assign((_, step: string) => ({ step })),
    countIgnored: assign({ ignoredCallbacks: ({ context }) => context.ignoredCallbacks + 1 }),
    takeNow: assign((_, now: number) => ({ now })),
    takeClaims: assign((_, claims: IdClaims) => ({ claims })),
    takeInspection: assign((_, inspection: Inspection) => ({ inspection })),
  },
}).createMachine({
  id: 'authorizationCode',
  context: ({ input }) => ({
    issuer: input.issuer,
    clientId: input.clientId,
    redirectUri: input.redirectUri,
    scope: input.scope,
    project: input.project ?? null,
    timeouts: { ...defaultAuthorizationCodeTimeouts, ...input.timeouts } as AuthorizationCodeTimeouts,
    attempt: null,
    ...notWaitingYet(input),
    ...NOTHING_YET,
  }),
  initial: 'idle',
  output: signInOutput,
  states: {
    idle: {
      on: {
        START: beginAttempt,
        CANCEL: 'cancelled',
      },
    },
    discovering: {
      tags: ['busy'],
      entry: { type: 'enterStep', params: 'discovering' },
      invoke: {
        id: 'discover',
        src: 'discover',
        input: ({ context }) => ({ issuer: context.issuer }),
        onDone: [
          failWhen('isOtherIssuer', metadataOf, {
            code: 'issuerMismatch',
            message: "The IdP's metadata names another issuer than the one configured; check --issuer.",
          }),
          failWhen('lacksS256', metadataOf, {
            code: 'insecureEndpoint',
            message: 'The IdP does not support PKCE with S256; refusing to sign in.',
          }),
          { target: 'redirectingToIdp', actions: assign({ metadata: ({ event }) => event.output }) },
        ],
        onError: failOnError('network'),
      },
      after: {
        discoverTimeout: failOnTimeout('The IdP did not answer discovery in time.'),
      },
      on: { CANCEL: 'cancelled' },
    },
    redirectingToIdp: redirectingToIdp(
      ({ context }: { context: AuthorizationCodeContext }): NavigateToIdpInput => ({
        clientId: context.clientId,
        redirectUri: context.redirectUri,
        scope: context.scope,
        attempt: context.attempt!,
      }),
      onCallback,
      'The browser could not be opened in time; use --no-browser.',
    ),
    awaitingCallback: awaitingCallback(onCallback),
    exchangingCode: {
      tags: ['busy'],
      entry: { type: 'enterStep', params: 'exchangingCode' },
      invoke: {
        id: 'exchangeCode',
        src: 'exchangeCode',
        input: ({ context }) => ({
          callbackUrl: context.callbackUrl!,
          redirectUri: context.redirectUri,
          attempt: context.attempt!,
        }),
        onDone: [
          failWhen('hasNoIdToken', ({ event }: { event: { output: TokenSet } }) => event.output, {
            code: 'idTokenInvalid',
            message: 'The IdP issued no ID token; ask for the openid scope.',
          }),
          { target: 'validatingIdToken', actions: assign({ tokens: ({ event }) => event.output, callbackUrl: null }) },
        ],
        onError: failOnError('network'),
      },
      after: {
        exchangeTimeout: failOnTimeout('The IdP did not issue tokens in time.'),
      },
      on: { CANCEL: 'cancelled' },
    },
    validatingIdToken: validatingIdToken<AuthorizationCodeContext>((context) => context.attempt!.nonce),
    inspectingToken: inspectingToken<AuthorizationCodeContext>(),
    ...ENDINGS,
  },
});

function authorizationError({ event }: { event: AuthorizationCodeEvent }): Failure {
  const raw = paramsOf(callbackOf({ event })).error!;
  const error = AUTHORIZATION_ERRORS.has(raw) ? raw : 'unknown_error';
  if (error === 'access_denied')
    return { code: 'accessDenied', message: 'The sign-in was refused at the IdP (access_denied).', oauthError: error };
  return { code: 'idpError', message: `The IdP answered ${error}; try again or ask its admin.`, oauthError: error };
}
