import { type AuthFlowError, isAuthFlowError } from '../../src/errors/auth-flow-error.js';

/** The AuthFlowError a promise rejects with; anything else (or no rejection) fails the test. */
export async function failureOf(promise: Promise<unknown>): Promise<AuthFlowError> {
  try {
    await promise;
  } catch (error) {
    if (isAuthFlowError(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

/**
 * How a promise settled: `{ value }`, or the `code` and `message` of the AuthFlowError it rejected with
 * (any other rejection fails the test).
 */
export async function settledFlow<T>(
  promise: Promise<T>,
): Promise<{ value: T; code: undefined; message?: undefined } | { value: undefined; code: string; message: string }> {
  try {
    return { value: await promise, code: undefined };
  } catch (error) {
    if (!isAuthFlowError(error)) throw error;
    return { value: undefined, code: error.code, message: error.message };
  }
}
