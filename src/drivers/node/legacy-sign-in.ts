/**
 * What runs the legacy sign-ins of `legacy.ts`, loaded on the first one: the machines, the CDF client,
 * the loopback listener.
 */
import { randomBytes } from 'node:crypto';
import type { ApiKeyStatus } from '../../../machines/api-key.js';
import type { LoginUrlSession, LoginUrlTimeouts } from '../../../machines/login-url.js';
import { apiKeyFlow } from '../../flows/api-key.js';
import { loginUrlFlow } from '../../flows/login-url.js';
import { parseLoginCallback } from '../../protocol/callback/login-url.js';
import { createCdfClient } from '../../protocol/cdf.js';
import type { ApiKeyFlowOptions, LoginUrlFlowOptions } from './legacy.js';
import { runOnLoopback } from './loopback.js';
import { type FlowOptions, requestOptions, runFlow, signedIn } from './run-flow.js';

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
  const cdf = cdfOf(options);
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
  const cdf = cdfOf(options);
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

/** The CDF client of a legacy flow: its request deadline and `fetch` from the flow's options. */
function cdfOf(options: FlowOptions & { readonly baseUrl: string; readonly appId?: string; readonly http?: object }) {
  return createCdfClient({
    baseUrl: options.baseUrl,
    ...options.http,
    ...requestOptions(options).client,
    ...(options.appId ? { appId: options.appId } : {}),
  });
}

/** The login-URL machine's waits: each request's from `timeoutMs`, the person's from `totalTimeoutMs`. */
function loginUrlTimeouts(options: FlowOptions): Partial<LoginUrlTimeouts> {
  const machineMs = requestOptions(options).machineMs;
  return {
    ...(machineMs ? { fetchMs: machineMs, navigateMs: machineMs, validateMs: machineMs } : {}),
    ...(options.totalTimeoutMs ? { callbackMs: options.totalTimeoutMs } : {}),
  };
}
