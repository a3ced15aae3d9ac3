/**
 * Failures as plain data that survives `JSON.stringify` (snapshots persist it): the codes, layer by
 * layer, each listed once; the {@link Failure} shape; and the helpers the machines fail with.
 */

/** Why a sign-in stopped: the flows' own codes (what the IdP, CDF or the callback said). */
export const SIGN_IN_FAILURE_CODES = [
  'noIdpConfigured',
  'idpError',
  'callbackInvalid',
  'stateMismatch',
  'tokenRejected',
  'clientRejected',
  'issuerMismatch',
  'idTokenInvalid',
  'accessDenied',
  'expiredToken',
  'invalidGrant',
  'insecureEndpoint',
  'unexpectedRedirect',
  'projectMismatch',
  'apiKeyRejected',
  'navigationFailed',
] as const;

/** Why a call did not get a usable answer, in any layer. */
export const TRANSPORT_FAILURE_CODES = ['invalidResponse', 'timeout', 'network', 'http', 'cancelled'] as const;

/** Why a session cannot go on: its credential cannot be renewed (sign in again). */
export const SESSION_FAILURE_CODES = ['reauthRequired'] as const;

/**
 * Why a stored credential cannot be used (the CLI's token cache, a shared store). Listed here, with the
 * machines, because every layer's failure travels as one {@link Failure} and one `AuthFlowError`.
 */
export const STORE_FAILURE_CODES = ['cacheCorrupt', 'cacheUnsafe', 'notLoggedIn', 'storeUnavailable'] as const;

/** Every failure code, layer by layer; `internal` is a bug (an actor rejected with something untyped). */
export const FAILURE_CODES = [
  ...SIGN_IN_FAILURE_CODES,
  ...TRANSPORT_FAILURE_CODES,
  ...SESSION_FAILURE_CODES,
  ...STORE_FAILURE_CODES,
  'internal',
] as const;

/**
 * Why a flow stopped, as plain data that survives `JSON.stringify` (snapshots persist it).
 *
 * Every code is stable: UIs branch on it, logs and tests match on it. The message says what to do and
 * never holds a token, code, verifier or key.
 */
export type FailureCode = (typeof FAILURE_CODES)[number];

/** A typed failure reason, held in machine context and output. */
export interface Failure {
  /** Stable machine-readable code. */
  readonly code: FailureCode;
  /** What happened and what to do, for a person. Holds no secret. */
  readonly message: string;
  /** The HTTP status, when the failure came from an HTTP answer. */
  readonly status?: number;
  /** The server's `x-request-id`, when it sent one; quote it to the operator. */
  readonly requestId?: string;
  /**
   * The IdP's OAuth error code on the callback (`login_required`, `consent_required`, ...), from the fixed
   * list of RFC 6749 §4.1.2.1 and OIDC Core §3.1.2.6: what a UI branches on, e.g. a silent sign-in.
   */
  readonly oauthError?: string;
  /**
   * What the IdP said to quote to its admins (not secrets): Entra ID's `error_codes` (AADSTS…),
   * `trace_id`, `correlation_id` and `timestamp`.
   */
  readonly idpDiagnostics?: IdpDiagnostics;
  /** The flow's state it happened in, e.g. `exchangingCode` (set by the machine, not by an actor). */
  readonly state?: string;
  /**
   * The type of the event that led into `failed` (set by the machine): `CALLBACK`, an actor's answer
   * (`xstate.error.actor.exchangeCode`, `xstate.done.actor.discover`) or a timer
   * (`xstate.after.exchangeTimeout.authorizationCode.exchangingCode`). A name, never a value.
   */
  readonly event?: string;
  /** The guard whose truth sent the flow to `failed`, e.g. `isStateMismatch` (set by the machine). */
  readonly guard?: string;
  /** The invoked actor whose answer failed or was refused, e.g. `exchangeCode` (set by the machine). */
  readonly actor?: string;
}

/** The IdP's own identifiers of a refusal, as Entra ID's error bodies carry them. */
export interface IdpDiagnostics {
  /** Entra's `error_codes`, e.g. `[7000215]` (AADSTS7000215). */
  readonly errorCodes?: readonly number[];
  /** Entra's `trace_id`. */
  readonly traceId?: string;
  /** Entra's `correlation_id`. */
  readonly correlationId?: string;
  /** When the IdP says it happened. */
  readonly timestamp?: string;
}

const CODES: ReadonlySet<string> = new Set<string>(FAILURE_CODES);

/** True when `code` is one of the known {@link FailureCode}s. */
export function isFailureCode(code: unknown): code is FailureCode {
  return CODES.has(code as string);
}

/**
 * Turns whatever an actor rejected with into a {@link Failure}.
 *
 * Drivers reject with errors that carry a `code` and a `message` (our `AuthFlowError`); anything else
 * is a bug in a driver and becomes `fallback`. Only the known fields are copied, so a stray property
 * holding a secret never reaches context.
 */
export function toFailure(error: unknown, fallback: FailureCode = 'internal'): Failure {
  if (typeof error === 'object' && error !== null) {
    const { code, message, status, requestId, idpDiagnostics } = error as Record<string, unknown>;
    if (isFailureCode(code) && typeof message === 'string') {
      return {
        code,
        message,
        ...(typeof status === 'number' ? { status } : {}),
        ...(typeof requestId === 'string' ? { requestId } : {}),
        // Plain data the IdP gave for its admins (made by the protocol layer, only in its known shapes).
        ...(typeof idpDiagnostics === 'object' && idpDiagnostics !== null
          ? { idpDiagnostics: idpDiagnostics as IdpDiagnostics }
          : {}),
      };
    }
  }
  return { code: fallback, message: 'The flow failed for an unexpected reason; see the driver log.' };
}

const NEW_SIGN_IN: ReadonlySet<FailureCode> = new Set<FailureCode>([
  'invalidGrant',
  'reauthRequired',
  'idTokenInvalid',
  'accessDenied',
]);

/** True for the failures of a refresh after which only a new sign-in helps (the grant is gone). */
export function needsNewSignIn(code: FailureCode): boolean {
  return NEW_SIGN_IN.has(code);
}

/** Into `failed` with `failure`: a {@link Failure}, or a function of the event that makes one. */
export const failWith = <const TFailure>(failure: TFailure) =>
  ({ target: 'failed', actions: { type: 'fail', params: failure } }) as const;

/** Into `failed` with `failure`, which names `guard` as why, when the guard named `guard` holds for `params`. */
export const failWhen = <const TGuard extends string, TParams, TArgs>(
  guard: TGuard,
  params: TParams,
  failure: Failure | ((args: TArgs) => Failure),
) =>
  ({
    guard: { type: guard, params },
    ...failWith(
      typeof failure === 'function'
        ? (args: TArgs): Failure => ({ ...failure(args), guard })
        : ({ ...failure, guard } satisfies Failure),
    ),
  }) as const;

/** Into `failed` with the actor's error as a typed failure (`fallback` when it carries none). */
export const failOnError = (fallback: FailureCode) =>
  failWith(({ event }: { event: { error: unknown } }): Failure => toFailure(event.error, fallback));

/** Into `failed` with a `timeout` failure that says what did not happen in time. */
export const failOnTimeout = (message: string) => failWith({ code: 'timeout', message } satisfies Failure);
