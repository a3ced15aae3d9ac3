/**
 * The Node driver for the OpenID Connect flows: code + PKCE through a loopback redirect (RFC 8252),
 * device code (RFC 8628) and client credentials, each ending with CDF's `/api/v1/token/inspect`.
 * What runs them is loaded on the first sign-in (`oidc-sign-in.ts`): importing the driver stays cheap.
 */
import type { OidcSignIn } from '../../../machines/authorization-code.js';
import type { ServiceSignIn } from '../../../machines/client-credentials.js';
import type { IdpPreset } from '../../config/idp-presets.js';
import type { ResolvedIdp } from '../../config/resolve-idp.js';
import type { UserCode } from '../../flows/device-code.js';
import type { HttpOptions } from '../../protocol/http.js';
import type { OidcClientOptions } from '../../protocol/oidc.js';
import type { Opener } from './opener.js';
import type { FlowOptions } from './run-flow.js';

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

/** Options of {@link loginWithAuthorizationCode}. */
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

/**
 * Signs a person in with authorization code + PKCE through a loopback redirect on 127.0.0.1, checks
 * `state` and `iss` before redeeming the code (once), validates the ID token against the IdP's JWKS,
 * and asks CDF's `/api/v1/token/inspect`. Rejects with an `AuthFlowError`.
 *
 * @example
 * ```ts
 * const { tokens } = await loginWithAuthorizationCode({ issuer, clientId: 'my-cli', baseUrl });
 * ```
 * @see RFC 8252, RFC 7636, RFC 9207
 */
export async function loginWithAuthorizationCode(options: AuthorizationCodeFlowOptions): Promise<WithIdp<OidcSignIn>> {
  return (await import('./oidc-sign-in.js')).authorizationCodeSignIn(options);
}

/** Options of {@link loginWithDeviceCode}. */
export interface DeviceCodeFlowOptions extends OidcFlowOptions {
  /** Shows the person where to go and what to type. Never receives the device code. */
  readonly onUserCode: (info: UserCode) => void;
}

/**
 * Signs a person in with the device authorization grant: shows `user_code` and `verification_uri`,
 * polls at the IdP's interval (5 s when it names none, +5 s for good on `slow_down`), stops on
 * `access_denied`, `expired_token` or the code's deadline.
 * @see RFC 8628
 */
export async function loginWithDeviceCode(options: DeviceCodeFlowOptions): Promise<WithIdp<OidcSignIn>> {
  return (await import('./oidc-sign-in.js')).deviceCodeSignIn(options);
}

/** Options of {@link loginWithClientCredentials}. */
export interface ClientCredentialsFlowOptions extends OidcFlowOptions {
  /** The client secret. Read it from the environment or a secret store. */
  readonly clientSecret: string;
  /** A `resource` indicator (RFC 8707) for IdPs that need one, e.g. the cluster URL. */
  readonly resource?: string;
}

/**
 * Gets a service token with client credentials (the replacement for API keys) and checks it at CDF's
 * `/api/v1/token/inspect`.
 */
export async function loginWithClientCredentials(
  options: ClientCredentialsFlowOptions,
): Promise<WithIdp<ServiceSignIn>> {
  return (await import('./oidc-sign-in.js')).clientCredentialsSignIn(options);
}
