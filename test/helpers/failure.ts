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
