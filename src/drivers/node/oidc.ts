/**
 * The Node driver for the OpenID Connect flows: code + PKCE through a loopback redirect (RFC 8252),
 * device code (RFC 8628) and client credentials, each ending with CDF's `/api/v1/token/inspect`.
 */
import { fromPromise } from 'xstate';
import type { AuthorizationCodeInput, OidcSignIn } from '../../../machines/authorization-code.js';
import { clientCredentialsMachine, type ServiceSignIn } from '../../../machines/client-credentials.js';
import { type DeviceAuthorization, deviceCodeMachine, type PollResult } from '../../../machines/device-code.js';
import type { IdClaims, Inspection, TokenSet } from '../../../machines/shared/tokens.js';
import { cdfScopes, type IdpPreset } from '../../config/idp-presets.js';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { codeFlowMachine, freshAttempt, inspectAt } from '../../flows/authorization-code.js';
import { untilDeadline } from '../../flows/clock.js';
import { parseAuthorizationCallback } from '../../protocol/callback/authorization.js';
import { createCdfClient } from '../../protocol/cdf.js';
import type { HttpOptions } from '../../protocol/http.js';
import { createOidcClient, type OidcClient, type OidcClientOptions } from '../../protocol/oidc.js';
import { type CdfSession, oidcSession, type RemoteLogout } from '../../session/cdf-session.js';
import { createSession, type Session, type SessionSharing } from '../../session/session.js';
import { runOnLoopback } from './loopback.js';
import type { Opener } from './opener.js';
import { type FlowOptions, runFlow, signedIn } from './run-flow.js';

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
   * flows and `{cluster}/.default` for services ({@link cdfScopes}), so that the token is for CDF
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
  /** Options for the IdP client (algorithms, clock skew, JWKS cooldown, timeouts, `clientAuth`). */
  readonly oidc?: Omit<OidcClientOptions, 'issuer' | 'clientId' | 'clientSecret' | 'resource'>;
  /**
   * An RFC 8707 resource indicator, sent with the authorization request and every token request, for IdPs
   * that decide the token's audience by it (not Entra ID, which refuses it).
   */
  readonly resource?: string;
  /** Sent as `x-cdp-app` to CDF. */
  readonly appId?: string;
  /** Limits of the CDF calls (`/api/v1/token/inspect`): deadline, retries, body cap. */
  readonly http?: HttpOptions;
}

/** The issuer, scope and extra parameters of a flow: its own options first, then the preset, then CDF's convention. */
export function resolveIdp(options: OidcFlowOptions, kind: 'user' | 'service') {
  const issuer = options.issuer ?? options.idp?.issuer;
  if (!issuer) throw new TypeError('Pass issuer or idp (a preset such as entra({ tenant, cluster })).');
  const presetScope = kind === 'user' ? options.idp?.userScope : options.idp?.serviceScope;
  const scope = options.scope ?? presetScope ?? cdfScopes(options.baseUrl)[kind];
  return {
    issuer,
    scope: kind === 'user' ? personScope(scope, options.idp?.provider) : scope,
    authorizationParams: { ...options.idp?.authorizationParams, ...options.authorizationParams },
    tokenParams: { ...options.idp?.tokenParams, ...options.tokenParams },
  };
}

/**
 * The IdP client of a flow: its issuer (or the preset's token endpoint, used without discovery), client,
 * secret, resource and client options, built in this one place.
 */
function clientOf(options: OidcFlowOptions, clientSecret?: string): OidcClient {
  return createOidcClient({
    issuer: resolveIdp(options, 'user').issuer,
    clientId: options.clientId,
    ...(clientSecret ? { clientSecret } : {}),
    ...(options.idp?.tokenEndpoint && !options.issuer ? { tokenEndpoint: options.idp.tokenEndpoint } : {}),
    ...(options.resource ? { resource: options.resource } : {}),
    ...options.oidc,
  });
}

/**
 * A person's scopes with what a sign-in needs: `openid` always (the flows require an ID token); for Entra
 * ID also `profile offline_access`, which MSAL adds to every request itself, so that `IDP_SCOPES` written
 * for the Cognite Toolkit (`{cluster}/.default` alone) signs a person in as it does there.
 */
function personScope(scope: string, provider: string | undefined): string {
  const words = scope.split(' ').filter(Boolean);
  const needed = provider === 'entra' ? ['openid', 'profile', 'offline_access'] : ['openid'];
  return [...words, ...needed.filter((word) => !words.includes(word))].join(' ');
}

const cdfOf = (options: OidcFlowOptions) =>
  createCdfClient({ baseUrl: options.baseUrl, ...options.http, ...(options.appId ? { appId: options.appId } : {}) });

const cdfInspector = (options: OidcFlowOptions) => {
  const cdf = options.pickProject ? undefined : cdfOf(options);
  return async (accessToken: string, signal?: AbortSignal) => {
    if (cdf) return inspectAt(cdf, accessToken, signal);
    const picked = await options.pickProject?.(accessToken, signal);
    return inspectAt(cdfOf({ ...options, baseUrl: picked?.baseUrl ?? options.baseUrl }), accessToken, signal);
  };
};

/** Options of {@link loginWithAuthorizationCode}. */
export interface AuthorizationCodeFlowOptions extends OidcFlowOptions {
  /** How the person is sent to the IdP. @default systemBrowserOpener() */
  readonly opener?: Opener;
  /** `prompt` for the authorization request (e.g. `consent`, `login`). */
  readonly prompt?: string;
  /** Overrides of the machine's timeouts, ms. */
  readonly timeouts?: AuthorizationCodeInput['timeouts'];
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
export async function loginWithAuthorizationCode(options: AuthorizationCodeFlowOptions): Promise<OidcSignIn> {
  const resolved = resolveIdp(options, 'user');
  const idp = clientOf(options);
  // With pickProject the cluster is known only after sign-in: token/inspect is asked there.
  const cdf = options.pickProject ? cdfInspector(options) : cdfOf(options);
  const registered = options.redirectUri ?? options.idp?.redirectUris;
  const redirectUris = typeof registered === 'string' ? [registered] : registered;
  const output = await runOnLoopback({ ...options, redirectUris }, ({ redirectUrl, navigate }) => ({
    machine: codeFlowMachine({
      oidc: idp,
      cdf,
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
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    },
    start: { type: 'START' as const, attempt: freshAttempt(), now: Date.now() },
    toEvent: (url) => ({ type: 'CALLBACK', callback: parseAuthorizationCallback(url) }),
  }));
  return signedIn(output);
}

/** Options of {@link loginWithDeviceCode}. */
export interface DeviceCodeFlowOptions extends OidcFlowOptions {
  /** Shows the person where to go and what to type. Never receives the device code. */
  readonly onUserCode: (info: { userCode: string; verificationUri: string; verificationUriComplete?: string }) => void;
  /** The per-request deadline, ms. @default 15000 */
  readonly requestTimeoutMs?: number;
}

/**
 * Signs a person in with the device authorization grant: shows `user_code` and `verification_uri`,
 * polls at the IdP's interval (5 s when it names none, +5 s for good on `slow_down`), stops on
 * `access_denied`, `expired_token` or the code's deadline.
 * @see RFC 8628
 */
export async function loginWithDeviceCode(options: DeviceCodeFlowOptions): Promise<OidcSignIn> {
  const resolved = resolveIdp(options, 'user');
  const idp = clientOf(options);
  const inspect = cdfInspector(options);
  const machine = deviceCodeMachine.provide({
    actors: {
      requestDeviceCode: fromPromise<DeviceAuthorization, { readonly clientId: string; readonly scope: string }>(
        ({ input, signal }) => idp.requestDeviceCode({ scope: input.scope, params: resolved.tokenParams }, signal),
      ),
      pollToken: fromPromise<PollResult, { readonly deviceCode: string }>(({ input, signal }) =>
        idp.pollDeviceCode(input.deviceCode, signal),
      ),
      validateIdToken: fromPromise<IdClaims, { readonly idToken: string; readonly nonce: string | null }>(({ input }) =>
        idp.validateIdToken(input.idToken, { nonce: input.nonce }),
      ),
      inspectToken: fromPromise<Inspection, { readonly accessToken: string }>(({ input, signal }) =>
        inspect(input.accessToken, signal),
      ),
    },
    actions: {
      showUserCode: (_, params) => options.onUserCode(params),
    },
    delays: {
      codeExpiry: untilDeadline('deadline'),
    },
  });
  return signedIn(
    await runFlow(machine, grantInput(options, resolved.scope), { type: 'START', now: Date.now() }, options),
  );
}

/** Options of {@link loginWithClientCredentials}. */
export interface ClientCredentialsFlowOptions extends OidcFlowOptions {
  /** The client secret. Read it from the environment or a secret store. */
  readonly clientSecret: string;
  /** A `resource` indicator (RFC 8707) for IdPs that need one, e.g. the cluster URL. */
  readonly resource?: string;
  /** The per-request deadline, ms. @default 15000 */
  readonly requestTimeoutMs?: number;
}

/**
 * Gets a service token with client credentials (the replacement for API keys) and checks it at CDF's
 * `/api/v1/token/inspect`.
 */
export async function loginWithClientCredentials(options: ClientCredentialsFlowOptions): Promise<ServiceSignIn> {
  const resolved = resolveIdp(options, 'service');
  const idp = serviceClient(options);
  const inspect = cdfInspector(options);
  const machine = clientCredentialsMachine.provide({
    actors: {
      requestToken: fromPromise<TokenSet, { readonly clientId: string; readonly scope: string }>(({ input, signal }) =>
        idp.clientCredentials(
          {
            scope: input.scope,
            params: resolved.tokenParams,
            ...(options.resource ? { resource: options.resource } : {}),
          },
          signal,
        ),
      ),
      inspectToken: fromPromise<Inspection, { readonly accessToken: string }>(({ input, signal }) =>
        inspect(input.accessToken, signal),
      ),
    },
  });
  return signedIn(await runFlow(machine, grantInput(options, resolved.scope), { type: 'START' }, options));
}

/** The input of the device-code and client-credentials machines: one client, one scope, one wait limit. */
function grantInput(
  options: OidcFlowOptions & { readonly requestTimeoutMs?: number | undefined },
  scope: string,
): { clientId: string; scope: string; project: string | null; requestTimeoutMs?: number } {
  return {
    clientId: options.clientId,
    scope,
    project: options.project ?? null,
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  };
}

function serviceClient(options: ClientCredentialsFlowOptions): OidcClient {
  return clientOf(options, options.clientSecret);
}

/**
 * A {@link Session} that refreshes with the refresh token (user flows) and checks that a refreshed ID
 * token keeps `iss`, `sub` and `aud`, or with a new client-credentials request (services).
 */
export function sessionFor(
  signIn: { tokens: TokenSet; claims?: IdClaims | null },
  options:
    | (OidcFlowOptions & { readonly clientSecret?: undefined })
    | (ClientCredentialsFlowOptions & { readonly clientSecret: string }),
  extra: {
    leewayMs?: number;
    onTokens?: (tokens: TokenSet) => void;
    /**
     * Where the tokens are shared (the CLI's token cache and its inter-process lock, say): renewals run
     * once across everything that shares them, through `renewOnce` (a rotated refresh token is single-use).
     */
    sharing?: SessionSharing;
  } = {},
): Session {
  const idp = options.clientSecret ? serviceClient(options as ClientCredentialsFlowOptions) : clientOf(options);
  const original = signIn.claims ?? null;
  return createSession({
    tokens: signIn.tokens,
    ...(extra.leewayMs !== undefined ? { leewayMs: extra.leewayMs } : {}),
    ...(extra.onTokens ? { onTokens: extra.onTokens } : {}),
    ...(extra.sharing ? { sharing: extra.sharing } : {}),
    refresh: async (current, signal) => {
      if (options.clientSecret) {
        const resource = (options as ClientCredentialsFlowOptions).resource;
        const { scope, tokenParams } = resolveIdp(options, 'service');
        return idp.clientCredentials({ scope, params: tokenParams, ...(resource ? { resource } : {}) }, signal);
      }
      if (!current.refreshToken) {
        throw new AuthFlowError({ code: 'reauthRequired', message: 'There is no refresh token; sign in again.' });
      }
      const next = await idp.refresh(current.refreshToken, signal);
      if (next.idToken) await idp.validateIdToken(next.idToken, { nonce: null, original });
      return next;
    },
  });
}

/**
 * A {@link CdfSession} over an OIDC sign-in: {@link sessionFor}'s refresh rules, CDF requests with one
 * refresh and retry on a 401, and a logout that revokes the refresh token at the IdP (RFC 7009) where the
 * IdP advertises revocation.
 *
 * @example
 * ```ts
 * const device = { idp: entra({ tenant, cluster: 'westeurope-1' }), clientId, baseUrl, onUserCode: console.log };
 * const session = cdfSessionFor(await loginWithDeviceCode(device), device);
 * const answer = await session.request('GET', `api/v1/projects/${project}/assets`);
 * ```
 */
export function cdfSessionFor(
  signIn: { tokens: TokenSet; claims?: IdClaims | null },
  options: Parameters<typeof sessionFor>[1],
  extra: Parameters<typeof sessionFor>[2] = {},
): CdfSession {
  const session = sessionFor(signIn, options, extra);
  const idp = clientOf(options, options.clientSecret);
  return oidcSession(session, {
    baseUrl: options.baseUrl,
    ...(options.appId ? { appId: options.appId } : {}),
    revoke: (tokens, signal) => revokeAt(idp, tokens, signal),
  });
}

/**
 * Ends an OIDC sign-in at the IdP (RFC 7009): its refresh token (which ends the grant), else its access
 * token. Says what it revoked, or `unsupported` where the IdP offers no revocation.
 */
export async function revokeAt(idp: OidcClient, tokens: TokenSet, signal?: AbortSignal): Promise<RemoteLogout> {
  const revoked = tokens.refreshToken
    ? await idp.revoke(tokens.refreshToken, 'refresh_token', signal)
    : await idp.revoke(tokens.accessToken, 'access_token', signal);
  if (!revoked) return 'unsupported';
  return tokens.refreshToken ? 'refreshToken' : 'accessToken';
}
