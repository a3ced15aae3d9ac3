import type { FailureCode } from '../../machines/shared/failure.js';
import { isAuthFlowError } from '../errors/auth-flow-error.js';
import { InvalidArgumentError } from '../errors/invalid-argument.js';

/** Exit codes of `cdf-auth`: scripts branch on them. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  auth: 3,
  network: 4,
  cancelled: 130,
} as const;

const NETWORK: ReadonlySet<FailureCode> = new Set([
  'network',
  'timeout',
  'http',
  'invalidResponse',
  'navigationFailed',
]);

/** The exit code for an error thrown by a command. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof InvalidArgumentError) return ExitCode.usage;
  if (!isAuthFlowError(error)) return ExitCode.internal;
  if (error.code === 'cancelled') return ExitCode.cancelled;
  if (error.code === 'internal') return ExitCode.internal;
  // A 4xx is CDF's answer to what was sent, not trouble on the way: a refused token is an
  // authentication failure, anything else (an unknown project, say) a mistake in the request.
  if (error.code === 'http' && error.status !== undefined && error.status >= 400 && error.status < 500) {
    if (error.status === 401 || error.status === 403) return ExitCode.auth;
    if (error.status !== 408 && error.status !== 429) return ExitCode.usage;
  }
  return NETWORK.has(error.code) ? ExitCode.network : ExitCode.auth;
}

/** A mistake in how the command was called. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
