/**
 * What runs the OpenID Connect sign-ins of `oidc.ts`, loaded on the first one (the machines, the IdP
 * and CDF clients, the loopback listener), and their options.
 */
import type { AuthorizationCodeTimeouts, OidcSignIn } from '../../../machines/authorization-code.js';
import type { ServiceSignIn } from '../../../machines/client-credentials.js';
import type { IdpPreset } from '../../config/idp-presets.js';
import type { ResolvedIdp } from '../../config/resolve-idp.js';
import { authorizationCodeFlow, freshAttempt } from '../../flows/authorization-code.js';
import { clientCredentialsFlow } from '../../flows/client-credentials.js';
import type { UserCode } from '../../flows/device-code.js';
import { deviceCodeFlow } from '../../flows/device-code.js';
import { type Inspector, inspectAt } from '../../flows/inspect.js';
import { parseAuthorizationCallback } from '../../protocol/callback/authorization.js';
import type { CdfClient } from '../../protocol/cdf.js';
import type { HttpOptions } from '../../protocol/http.js';
import type { OidcClientOptions } from '../../protocol/oidc.js';
import { idpFor } from '../../session/oidc-session.js';
import { runOnLoopback } from './loopback.js';
import type { Opener } from './opener.js';
import { cdfClientOf, type FlowOptions, requestOptions, runFlow, signedIn } from './run-flow.js';

/** The project a person's sign-in picked after the IdP answered, and the cluster that serves it. */
export interface PickedProject {
  /** The cluster's base URL, e.g. the project's `apiUrl` at Cognite IdP. */
  readonly baseUrl: string;
  /** The project's URL name. */
  readonly project: string;
}

/** What every OIDC flow needs to know. */
export interface OidcFlowOptions extends FlowOptions {
  /** The IdP's issuer identifier (or pass `idp`). */
  readonly issuer?: string;
  /** An IdP preset (`entra(...)`, `auth0(...)`, ...): issuer, scopes and extra parameters in one. */
  readonly idp?: IdpPreset;
  /** The client id at the IdP (a public client for the code and device flows). */
  readonly clientId: string;
  /**
   * The CDF cluster the token is for; `/api/v1/token/inspect` is asked there. With `pickProject`, the
   * cluster the picked project names is asked instead.
   */
  readonly baseUrl: string;
  /**
   * @default the preset's scope; without one, `{cluster}/.default offline_access openid profile` for user
   * flows and `{cluster}/.default` for services (`cdfScopes` of `cdf-authflow`), so that the token is for CDF
   */
  readonly scope?: string;
  /** Extra authorization parameters (`login_hint`, `domain_hint`, Auth0's `audience`); added to the preset's. */
  readonly authorizationParams?: Readonly<Record<string, string>>;
  /** Extra parameters of the device and client-credentials requests (Auth0's `audience`); added to the preset's. */
  readonly tokenParams?: Readonly<Record<string, string>>;
  /** When set, CDF must list this project for the token. */
  readonly project?: string;
  /**
   * Picks the project, and with it the cluster, once the person has signed in (Cognite IdP: from the
   * organization's projects); token/inspect is then asked at the cluster it names, not at `baseUrl`.
   */
  readonly pickProject?: (accessToken: string, signal?: AbortSignal) => Promise<PickedProject>;
  /** Options for the IdP client (algorithms, clock skew, JWKS cooldown, `clientAuth`; the deadline is `timeoutMs`). */
  readonly oidc?: Omit<OidcClientOptions, 'issuer' | 'clientId' | 'clientSecret' | 'resource' | 'timeoutMs' | 'fetch'>;
  /**
   * An RFC 8707 resource indicator, sent with the authorization request and every token request, for IdPs
   * that decide the token's audience by it (not Entra ID, which refuses it).
   */
  readonly resource?: string;
  /** Sent as `x-cdp-app` to CDF. */
  readonly appId?: string;
  /** Retries and body cap of the CDF calls (`/api/v1/token/inspect`); their deadline is `timeoutMs`. */
  readonly http?: Omit<HttpOptions, 'timeoutMs' | 'fetch'>;
}

/**
 * A sign-in with its kind (`oidc`, for `createCdfSession`) and the IdP it resolved to (issuer, scope,
 * extra parameters), as a cache keeps it.
 */
export type WithIdp<TSignIn> = TSignIn & {
  /** The kind of sign-in, for `createCdfSession`. */
  readonly kind: 'oidc';
  /** The IdP as this sign-in resolved it: renewals and a cached login use exactly this. */
  readonly idp: ResolvedIdp;
};

/** Options of `loginWithAuthorizationCode`. */
export interface AuthorizationCodeFlowOptions extends OidcFlowOptions {
  /** How the person is sent to the IdP. @default systemBrowserOpener() */
  readonly opener?: Opener;
  /** `prompt` for the authorization request (e.g. `consent`, `login`). */
  readonly prompt?: string;
  /**
   * The loopback redirect URI registered at the IdP (`http://localhost:53000`), or several tried in
   * order until one's port is free; host `localhost`, `127.0.0.1` or `[::1]`, an exact port or none (any),
   * any path. @default the preset's (Cognite IdP: `http://localhost:3000/`, then 3100–3110), else
   * `http://127.0.0.1:{any port}/callback`
   */
  readonly redirectUri?: string | readonly string[];
}

/** Options of `loginWithDeviceCode`. */
export interface DeviceCodeFlowOptions extends OidcFlowOptions {
  /** Shows the person where to go and what to type. Never receives the device code. */
  readonly onUserCode: (info: UserCode) => void;
}

/** Options of `loginWithClientCredentials`. */
export interface ClientCredentialsFlowOptions extends OidcFlowOptions {
  /** The client secret. Read it from the environment or a secret store. */
  readonly clientSecret: string;
  /** A `resource` indicator (RFC 8707) for IdPs that need one, e.g. the cluster URL. */
  readonly resource?: string;
}

/** Where a flow asks token/inspect: the cluster, or (with `pickProject`) the cluster of the project picked after sign-in. */
const cdfInspector = (options: OidcFlowOptions): CdfClient | Inspector => {
  if (!options.pickProject) return cdfClientOf(options);
  return async (accessToken: string, signal?: AbortSignal) => {
    const picked = await options.pickProject?.(accessToken, signal);
    return inspectAt(cdfClientOf({ ...options, baseUrl: picked?.baseUrl ?? options.baseUrl }), accessToken, signal);
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
