import type { Failure, FailureCode, IdpDiagnostics } from '../../machines/shared/failure.js';

/**
 * The one error class thrown at the library's boundary. Its `code` is a stable {@link FailureCode};
 * its message says what to do and never holds a token, code, verifier or key.
 *
 * @example
 * ```ts
 * try { await loginWithApiKey(options); }
 * catch (error) { if (isAuthFlowError(error) && error.code === 'apiKeyRejected') rotateKey(); }
 * ```
 */
export class AuthFlowError extends Error {
  /** `AuthFlowError`, also across realms (see {@link isAuthFlowError}). */
  override readonly name = 'AuthFlowError';
  /** Stable machine-readable code. */
  readonly code: FailureCode;
  /** HTTP status, when the error came from an HTTP answer. */
  readonly status?: number;
  /** The server's `x-request-id`, when it sent one. */
  readonly requestId?: string;
  /** The IdP's OAuth error code on the callback, when there was one (see {@link Failure.oauthError}). */
  readonly oauthError?: string;
  /** The IdP's own identifiers of a refusal (see {@link Failure.idpDiagnostics}). */
  readonly idpDiagnostics?: IdpDiagnostics;
  /** The flow's state it happened in, when a flow machine failed (see {@link Failure.state}). */
  readonly state?: string;
  /** The type of the event that led into `failed` (see {@link Failure.event}). */
  readonly event?: string;
  /** The guard that sent the flow to `failed` (see {@link Failure.guard}). */
  readonly guard?: string;
  /** The invoked actor whose answer failed (see {@link Failure.actor}). */
  readonly actor?: string;

  constructor(failure: Failure, options?: { cause?: unknown }) {
    super(failure.message, options);
    this.code = failure.code;
    if (failure.status !== undefined) this.status = failure.status;
    if (failure.requestId !== undefined) this.requestId = failure.requestId;
    if (failure.oauthError !== undefined) this.oauthError = failure.oauthError;
    if (failure.idpDiagnostics !== undefined) this.idpDiagnostics = failure.idpDiagnostics;
    Object.assign(this, whereOf(failure));
  }

  /** The plain-data form, as machines keep it in context. */
  toFailure(): Failure {
    return {
      code: this.code,
      message: this.message,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.requestId === undefined ? {} : { requestId: this.requestId }),
      ...(this.oauthError === undefined ? {} : { oauthError: this.oauthError }),
      ...(this.idpDiagnostics === undefined ? {} : { idpDiagnostics: this.idpDiagnostics }),
      ...whereOf(this),
    };
  }
}

/** True for an {@link AuthFlowError}, also one from another realm or another copy of this package. */
export function isAuthFlowError(error: unknown): error is AuthFlowError {
  return (
    error instanceof AuthFlowError ||
    (typeof error === 'object' &&
      error !== null &&
      (error as { name?: unknown }).name === 'AuthFlowError' &&
      typeof (error as { code?: unknown }).code === 'string')
  );
}

/** Where a flow failed, by name: the failure's `state`, `event`, `guard` and `actor`, only those it has. */
export function whereOf(
  failure: Pick<Failure, 'state' | 'event' | 'guard' | 'actor'>,
): Pick<Failure, 'state' | 'event' | 'guard' | 'actor'> {
  const { state, event, guard, actor } = failure;
  return {
    ...(state === undefined ? {} : { state }),
    ...(event === undefined ? {} : { event }),
    ...(guard === undefined ? {} : { guard }),
    ...(actor === undefined ? {} : { actor }),
  };
}

/**
 * Where a flow failed, in words, from the names a machine stamps on its failure: the state, the event
 * that led into `failed`, and the guard or actor that decided it; `null` when the failure carries none
 * (it did not come from a flow machine). Names only, never a value.
 *
 * @example
 * ```ts
 * import { isAuthFlowError, whereItFailed } from 'cdf-authflow';
 * declare const signIn: () => Promise<unknown>;
 * try {
 *   await signIn();
 * } catch (error) {
 *   // e.g. 'in state awaitingCallback, on event CALLBACK, guard isStateMismatch'
 *   if (isAuthFlowError(error)) console.error(error.code, whereItFailed(error));
 * }
 * ```
 */
export function whereItFailed(failure: Pick<Failure, 'state' | 'event' | 'guard' | 'actor'>): string | null {
  const parts = [
    failure.state === undefined ? null : `in state ${failure.state}`,
    failure.event === undefined ? null : `on event ${failure.event}`,
    failure.guard === undefined ? null : `guard ${failure.guard}`,
    failure.actor === undefined ? null : `actor ${failure.actor}`,
  ].filter((part): part is string => part !== null);
  return parts.length === 0 ? null : parts.join(', ');
}
