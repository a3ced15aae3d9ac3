/**
 * What runs the legacy sign-ins of `legacy.ts`, loaded on the first one (the machines, the CDF client,
 * the loopback listener), and their options.
 */
import { randomBytes } from 'node:crypto';
import type { ApiKeyStatus } from '../../../machines/api-key.js';
import type { LoginUrlSession, LoginUrlTimeouts } from '../../../machines/login-url.js';
import { apiKeyFlow } from '../../flows/api-key.js';
import { loginUrlFlow } from '../../flows/login-url.js';
import { parseLoginCallback } from '../../protocol/callback/login-url.js';
import type { HttpOptions } from '../../protocol/http.js';
import { runOnLoopback } from './loopback.js';
import type { Opener } from './opener.js';
import { cdfClientOf, type FlowOptions, requestOptions, runFlow, signedIn } from './run-flow.js';

/** Options of `loginWithLoginUrl`. */
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

/** Options of `loginWithApiKey`. */
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

/** A fresh single-use flow id: 128 bits from the CSPRNG, base64url. */
function randomFlowId(): string {
  return randomBytes(16).toString('base64url');
}

/** See `legacy.ts`. */
export async function loginUrlSignIn(options: LoginUrlFlowOptions): Promise<
  LoginUrlSession & {
    /** The kind of sign-in, for `createCdfSession`. */
    readonly kind: 'login-url';
  }
> {
  const cdf = cdfClientOf(options);
  const output = await runOnLoopback(options, ({ redirectUrl: listenerUrl, navigate }) => {
    const redirectUrl = appRedirectUrl(listenerUrl, options.redirectParams, options.redirectFragment);
    return {
      flow: loginUrlFlow({ cdf, navigate, ...(options.loginUrlSource ? { source: options.loginUrlSource } : {}) }),
      input: {
        project: options.project,
        redirectUrl,
        // CDF sends errors to the same listener, so that the person's browser sees how it ended.
        errorRedirectUrl: redirectUrl,
        ignoreStrayCallbacks: true,
        timeouts: loginUrlTimeouts(options),
      },
      start: { type: 'START' as const, flowId: randomFlowId(), now: Date.now() },
      toEvent: (url) => ({ type: 'CALLBACK', callback: parseLoginCallback(url) }),
    };
  });
  return { ...signedIn(output), kind: 'login-url' };
}

/** See `legacy.ts`. */
export async function apiKeySignIn(options: ApiKeyFlowOptions): Promise<ApiKeyStatus> {
  const cdf = cdfClientOf(options);
  const machine = apiKeyFlow({ cdf, apiKey: options.apiKey });
  const { machineMs } = requestOptions(options);
  const input = {
    project: options.project ?? null,
    ...(machineMs ? { verifyTimeoutMs: machineMs } : {}),
  };
  return signedIn(await runFlow(machine, input, { type: 'START' }, options));
}

/** The listener's URL with the app's own query parameters and fragment. */
function appRedirectUrl(base: string, params?: Readonly<Record<string, string>>, fragment?: string): string {
  const url = new URL(base);
  for (const [name, value] of Object.entries(params ?? {})) url.searchParams.append(name, value);
  if (fragment) url.hash = fragment;
  return url.toString();
}

/** The login-URL machine's waits: each request's from `timeoutMs`, the person's from `totalTimeoutMs`. */
function loginUrlTimeouts(options: FlowOptions): Partial<LoginUrlTimeouts> {
  const machineMs = requestOptions(options).machineMs;
  return {
    ...(machineMs ? { fetchMs: machineMs, navigateMs: machineMs, validateMs: machineMs } : {}),
    ...(options.totalTimeoutMs ? { callbackMs: options.totalTimeoutMs } : {}),
  };
}
