/**
 * The Node driver: runs the pure machines with real effects. CDF calls through the protocol client,
 * the browser through an {@link Opener}, the callback through a loopback listener on 127.0.0.1. What runs
 * them is loaded on the first sign-in (`legacy-sign-in.ts`): importing the driver stays cheap.
 */
import type { ApiKeyStatus } from '../../../machines/api-key.js';
import type { LoginUrlSession } from '../../../machines/login-url.js';
import type { ApiKeyFlowOptions, LoginUrlFlowOptions } from './legacy-sign-in.js';

export type { ApiKeyFlowOptions, LoginUrlFlowOptions } from './legacy-sign-in.js';

/**
 * Signs a person in through the legacy login-URL flow: a loopback listener on 127.0.0.1 takes the
 * redirect, the tokens are validated at `/login/token` and `/login/status`, and the listener is closed
 * whatever happens. Rejects with an `AuthFlowError` whose code says why.
 *
 * @example
 * ```ts
 * const session = await loginWithLoginUrl({ baseUrl, project: 'publicdata', onTransition: console.log });
 * ```
 * @see docs/cdf-api.md "The seed" and §3
 */
export async function loginWithLoginUrl(options: LoginUrlFlowOptions): Promise<
  LoginUrlSession & {
    /** The kind of sign-in, for `createCdfSession`. */
    readonly kind: 'login-url';
  }
> {
  return (await import('./legacy-sign-in.js')).loginUrlSignIn(options);
}

/**
 * Verifies an API key at `/login/status` and resolves with who it belongs to. Rejects with code
 * `apiKeyRejected` for an unknown or revoked key, `projectMismatch` for a key of another project.
 *
 * @see docs/cdf-api.md §3.1
 */
export async function loginWithApiKey(options: ApiKeyFlowOptions): Promise<ApiKeyStatus> {
  return (await import('./legacy-sign-in.js')).apiKeySignIn(options);
}
