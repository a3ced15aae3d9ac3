/**
 * A call the library cannot carry out as written: a URL where a cluster path belongs, a base URL that is
 * not http(s), an extra parameter that would replace one of the protocol's. A mistake in the calling
 * code, not a failure of a flow: a `TypeError` (as the platform throws for bad arguments) with a stable
 * `code`, so that it never passes for an `internal` error of the library.
 *
 * @example
 * ```ts
 * import { createCdfClient, InvalidArgumentError } from 'cdf-authflow';
 * const cdf = createCdfClient({ baseUrl: 'https://api.cognitedata.com' });
 * try { await cdf.request('GET', 'https://elsewhere.example/x', { accessToken: 'token' }); }
 * catch (error) { if (error instanceof InvalidArgumentError) console.error(error.message); }
 * ```
 */
export class InvalidArgumentError extends TypeError {
  /** `InvalidArgumentError`. */
  override readonly name = 'InvalidArgumentError';
  /** Always `invalidArgument`. */
  readonly code = 'invalidArgument' as const;
}
