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

  constructor(failure: Failure, options?: { cause?: unknown }) {
    super(failure.message, options);
    this.code = failure.code;
    if (failure.status !== undefined) this.status = failure.status;
    if (failure.requestId !== undefined) this.requestId = failure.requestId;
    if (failure.oauthError !== undefined) this.oauthError = failure.oauthError;
    if (failure.idpDiagnostics !== undefined) this.idpDiagnostics = failure.idpDiagnostics;
    if (failure.state !== undefined) this.state = failure.state;
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
      ...(this.state === undefined ? {} : { state: this.state }),
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
