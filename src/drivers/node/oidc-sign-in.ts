/**
 * What runs the OpenID Connect sign-ins of `oidc.ts`, loaded on the first one: the machines, the IdP
 * and CDF clients, the loopback listener.
 */
import type { AuthorizationCodeTimeouts, OidcSignIn } from '../../../machines/authorization-code.js';
import type { ServiceSignIn } from '../../../machines/client-credentials.js';
import { authorizationCodeFlow, freshAttempt } from '../../flows/authorization-code.js';
import { clientCredentialsFlow } from '../../flows/client-credentials.js';
import { deviceCodeFlow } from '../../flows/device-code.js';
import { type Inspector, inspectAt } from '../../flows/inspect.js';
import { parseAuthorizationCallback } from '../../protocol/callback/authorization.js';
import { type CdfClient, createCdfClient } from '../../protocol/cdf.js';
import { idpFor } from '../../session/oidc-session.js';
import { runOnLoopback } from './loopback.js';
import type {
  AuthorizationCodeFlowOptions,
  ClientCredentialsFlowOptions,
  DeviceCodeFlowOptions,
  OidcFlowOptions,
  WithIdp,
} from './oidc.js';
import { type FlowOptions, requestOptions, runFlow, signedIn } from './run-flow.js';

const cdfOf = (options: OidcFlowOptions) =>
  createCdfClient({
    baseUrl: options.baseUrl,
    ...options.http,
    ...requestOptions(options).client,
    ...(options.appId ? { appId: options.appId } : {}),
  });

/** Where a flow asks token/inspect: the cluster, or (with `pickProject`) the cluster of the project picked after sign-in. */
const cdfInspector = (options: OidcFlowOptions): CdfClient | Inspector => {
  if (!options.pickProject) return cdfOf(options);
  return async (accessToken: string, signal?: AbortSignal) => {
    const picked = await options.pickProject?.(accessToken, signal);
    return inspectAt(cdfOf({ ...options, baseUrl: picked?.baseUrl ?? options.baseUrl }), accessToken, signal);
  };
};

/** See `oidc.ts`. */
export async function authorizationCodeSignIn(options: AuthorizationCodeFlowOptions): Promise<WithIdp<OidcSignIn>> {
  const { resolved, oidc } = idpFor(options);
  const registered = options.redirectUri ?? options.idp?.redirectUris;
  const redirectUris = typeof registered === 'string' ? [registered] : registered;
  const output = await runOnLoopback({ ...options, redirectUris }, ({ redirectUrl, navigate }) => ({
    flow: authorizationCodeFlow({
      oidc,
      cdf: cdfInspector(options),
      navigate,
      ...(options.prompt ? { prompt: options.prompt } : {}),
      authorizationParams: resolved.authorizationParams,
    }),
    input: {
      // Any local page can reach the loopback port (RFC 8252 8.3): a stray request must not end the sign-in.
      ignoreStrayCallbacks: true,
      issuer: resolved.issuer,
      clientId: options.clientId,
      redirectUri: redirectUrl,
      scope: resolved.scope,
      project: options.project ?? null,
      timeouts: codeTimeouts(options),
    },
    start: { type: 'START' as const, attempt: freshAttempt(), now: Date.now() },
    toEvent: (url) => ({ type: 'CALLBACK', callback: parseAuthorizationCallback(url) }),
  }));
  return { ...signedIn(output), kind: 'oidc', idp: resolved };
}

/** See `oidc.ts`. */
export async function deviceCodeSignIn(options: DeviceCodeFlowOptions): Promise<WithIdp<OidcSignIn>> {
  const { resolved, oidc } = idpFor(options);
  const machine = deviceCodeFlow({
    oidc,
    cdf: cdfInspector(options),
    tokenParams: resolved.tokenParams,
    onUserCode: options.onUserCode,
  });
  const start = { type: 'START' as const, now: Date.now() };
  const output = await runFlow(machine, grantInput(options, resolved.scope), start, options);
  return { ...signedIn(output), kind: 'oidc', idp: resolved };
}

/** See `oidc.ts`. */
export async function clientCredentialsSignIn(options: ClientCredentialsFlowOptions): Promise<WithIdp<ServiceSignIn>> {
  const { resolved, oidc } = idpFor(options);
  const machine = clientCredentialsFlow({
    oidc,
    cdf: cdfInspector(options),
    tokenParams: resolved.tokenParams,
    ...(options.resource ? { resource: options.resource } : {}),
  });
  const output = await runFlow(machine, grantInput(options, resolved.scope), { type: 'START' }, options);
  return { ...signedIn(output), kind: 'oidc', idp: resolved };
}

/** The input of the device-code and client-credentials machines: one client, one scope, one wait limit. */
function grantInput(
  options: OidcFlowOptions,
  scope: string,
): { clientId: string; scope: string; project: string | null; requestTimeoutMs?: number } {
  const { machineMs } = requestOptions(options);
  return {
    clientId: options.clientId,
    scope,
    project: options.project ?? null,
    ...(machineMs ? { requestTimeoutMs: machineMs } : {}),
  };
}

/** The code flow machine's waits: each request's from `timeoutMs`, the person's from `totalTimeoutMs`. */
function codeTimeouts(options: FlowOptions): Partial<AuthorizationCodeTimeouts> {
  const ms = requestOptions(options).machineMs;
  return {
    ...(ms ? { discoverMs: ms, navigateMs: ms, exchangeMs: ms, validateMs: ms, inspectMs: ms } : {}),
    ...(options.totalTimeoutMs ? { callbackMs: options.totalTimeoutMs } : {}),
  };
}
