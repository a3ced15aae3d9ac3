/**
 * The Node driver: runs the pure machines with real effects. CDF calls through the protocol client,
 * the browser through an {@link Opener}, the callback through a loopback listener on 127.0.0.1. What runs
 * them is loaded on the first sign-in (`legacy-sign-in.ts`): importing the driver stays cheap.
 */
import type { ApiKeyStatus } from '../../../machines/api-key.js';
import type { LoginUrlSession } from '../../../machines/login-url.js';
import type { HttpOptions } from '../../protocol/http.js';
import type { Opener } from './opener.js';
import type { FlowOptions } from './run-flow.js';

/** Options of {@link loginWithLoginUrl}. */
export interface LoginUrlFlowOptions extends FlowOptions {
  /** The cluster, e.g. `https://api.cognitedata.com`. */
  readonly baseUrl: string;
  /** The project's URL name. */
  readonly project: string;
  /** How the person is sent to the IdP. @default systemBrowserOpener() */
  readonly opener?: Opener;
  /** Sent as `x-cdp-app`. */
  readonly appId?: string;
  /** Retries and body cap of the calls to CDF (their deadline is `timeoutMs`). */
  readonly http?: Omit<HttpOptions, 'timeoutMs' | 'fetch'>;
  /**
   * Extra query parameters for the redirect URL (and the error redirect URL), for the app's own use:
   * they reach `/login/url` intact, beside the flow id, and come back on the callback.
   */
  readonly redirectParams?: Readonly<Record<string, string>>;
  /** A fragment for the redirect URL (and the error redirect URL), without the `#`. */
  readonly redirectFragment?: string;
  /**
   * Where the login URL comes from: `login-url` asks `GET /login/url` (a project without an IdP fails at
   * once with `noIdpConfigured`); `login-redirect` sends the browser straight to `/login/redirect`,
   * which CDF answers with a 303 to the IdP (docs/cdf-api.md §3.2), saving a round trip.
   * @default 'login-url'
   */
  readonly loginUrlSource?: 'login-url' | 'login-redirect';
}

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

/** Options of {@link loginWithApiKey}. */
export interface ApiKeyFlowOptions extends FlowOptions {
  /** The cluster, e.g. `https://api.cognitedata.com`. */
  readonly baseUrl: string;
  /** The key. Read it from the environment or a secret store; never from a command line. */
  readonly apiKey: string;
  /** The project the key must belong to; omit to accept the key's own project. */
  readonly project?: string;
  /** Sent as `x-cdp-app`. */
  readonly appId?: string;
  /** Retries and body cap of the call to CDF (its deadline is `timeoutMs`). */
  readonly http?: Omit<HttpOptions, 'timeoutMs' | 'fetch'>;
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
