/**
 * One IdP as every OIDC call needs it: the normalised options, the slot for the discovered metadata
 * (`discovery.ts` fills it once), the per-request signal, deadline, limits and held secrets, and the one
 * reading of a token endpoint's answer. The calls themselves are flat functions over this context, in
 * oauth4webapi's style.
 */
import * as oauth from 'oauth4webapi';
import type { TokenSet } from '../../../machines/shared/tokens.js';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { isLoopbackHost } from '../http.js';
import { type IdpAnswerRecord, idpFetch } from '../idp-fetch.js';

const FORBIDDEN_ALGS = /^(none|HS\d+)$/i;

/** Options of `createOidcClient` (src/protocol/oidc.ts). */
export interface OidcClientOptions {
  /** The issuer identifier; discovery must answer with exactly this `issuer`. */
  readonly issuer: string;
  /** The client id at the IdP. */
  readonly clientId: string;
  /** For confidential clients. Public clients (CLI, SPA) have none. */
  readonly clientSecret?: string;
  /**
   * How the client secret is sent: HTTP Basic (`client_secret_basic`) or the form body
   * (`client_secret_post`). @default what the IdP's `token_endpoint_auth_methods_supported` offers, Basic first
   */
  readonly clientAuth?: 'basic' | 'post';
  /**
   * A token endpoint to use without discovery (the Cognite Toolkit's `IDP_TOKEN_URL` for an IdP whose
   * issuer it does not name): only client credentials can run on it.
   */
  readonly tokenEndpoint?: string;
  /**
   * An RFC 8707 resource indicator sent with the authorization request and every token request (code
   * exchange, refresh, device, client credentials), for IdPs that choose the token's audience from it.
   */
  readonly resource?: string;
  /** ID-token signature algorithms accepted. `none` and HS* are never accepted. @default ['RS256', 'ES256'] */
  readonly idTokenAlgorithms?: readonly string[];
  /** The one clock skew allowed for `exp`, `iat`, `nbf`, ms. @default 60000 */
  readonly clockSkewMs?: number;
  /** How long after a JWKS fetch an unknown `kid` may trigger another, ms. @default 30000 */
  readonly jwksCooldownMs?: number;
  /** Deadline for each request, ms. @default 15000 */
  readonly timeoutMs?: number;
  /** Lifetime assumed when the token response has no `expires_in`, ms. @default 300000 */
  readonly defaultExpiresInMs?: number;
  /** A `fetch` for every IdP request (discovery, token, device, JWKS). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** The largest IdP answer accepted, in bytes; the connection is dropped past it. @default 1048576 */
  readonly maxBodyBytes?: number;
  /** Retries of an IdP 429 or 503 within the deadline, honouring `Retry-After` (a code exchange: at most 1). @default 2 */
  readonly retryLimit?: number;
}

/** The normalised options of one IdP and what was discovered of it. */
export interface IdpContext {
  readonly options: OidcClientOptions;
  readonly issuer: URL;
  readonly timeoutMs: number;
  /** JWT times are whole seconds: the one skew, in their unit. */
  readonly skewSeconds: number;
  readonly insecure: boolean;
  readonly algorithms: readonly string[];
  readonly client: oauth.Client;
  /** The metadata, once discovery answered. */
  server?: oauth.AuthorizationServer;
}

/** Normalises the options. Plain `http` is allowed on loopback addresses only (docs/security.md §1.2). */
export function idpContext(options: OidcClientOptions): IdpContext {
  const issuer = new URL(options.issuer);
  const skewSeconds = (options.clockSkewMs ?? 60_000) / 1000;
  return {
    options,
    issuer,
    timeoutMs: options.timeoutMs ?? 15_000,
    skewSeconds,
    insecure: issuer.protocol === 'http:' && isLoopbackHost(issuer),
    algorithms: (options.idTokenAlgorithms ?? ['RS256', 'ES256']).filter((alg) => !FORBIDDEN_ALGS.test(alg)),
    client: { client_id: options.clientId, [oauth.clockSkew]: 0, [oauth.clockTolerance]: skewSeconds },
  };
}

/** The client authentication methods this client can use, by their RFC 7591 names. */
const METHODS = { basic: 'client_secret_basic', post: 'client_secret_post' } as const;

/**
 * How this client authenticates at the IdP: none for a public client; else the method the options force,
 * or the one the IdP's metadata offers (Basic when it lists it or lists nothing, as RFC 8414 §2 defaults;
 * else the form body). `other` names the method not used, when the IdP also offers it.
 */
export function clientAuthOf(
  idp: IdpContext,
  metadata: oauth.AuthorizationServer,
): { readonly auth: oauth.ClientAuth; readonly method: string | null; readonly other: string | null } {
  const secret = idp.options.clientSecret;
  if (!secret) return { auth: oauth.None(), method: null, other: null };
  const offered = metadata.token_endpoint_auth_methods_supported;
  const chosen =
    idp.options.clientAuth ??
    (!offered || offered.includes(METHODS.basic) || !offered.includes(METHODS.post) ? 'basic' : 'post');
  const otherKey = chosen === 'basic' ? 'post' : 'basic';
  const other = !offered || offered.includes(METHODS[otherKey]) ? METHODS[otherKey] : null;
  return {
    auth: chosen === 'basic' ? oauth.ClientSecretBasic(secret) : oauth.ClientSecretPost(secret),
    method: METHODS[chosen],
    other,
  };
}

/** The `resource` parameter of every request, when the options name one. */
export function resourceParams(idp: IdpContext): Record<string, string> {
  return idp.options.resource ? { resource: idp.options.resource } : {};
}

/** The IdP `fetch` with this IdP's limits, for a call that must end by `deadline` (ms since the epoch). */
export function limitedFetch(idp: IdpContext, deadline: number, record: IdpAnswerRecord): typeof fetch {
  const { options } = idp;
  return idpFetch({
    deadline,
    record,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...(options.retryLimit !== undefined ? { retryLimit: options.retryLimit } : {}),
  });
}

/** One request's signal, deadline and limits; `held` are the secrets of this call, scrubbed from its errors. */
export function requestOf(idp: IdpContext, signal?: AbortSignal, held: readonly (string | undefined)[] = []) {
  const deadline = AbortSignal.timeout(idp.timeoutMs);
  const record: IdpAnswerRecord = {};
  return {
    signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
    deadline,
    user: signal,
    record,
    secrets: [idp.options.clientSecret ?? '', ...held.filter((value): value is string => typeof value === 'string')],
    ...(idp.insecure ? { [oauth.allowInsecureRequests]: true } : {}),
    [oauth.customFetch]: limitedFetch(idp, Date.now() + idp.timeoutMs, record) as never,
  };
}

/** A request's options, as {@link requestOf} makes them. */
export type IdpRequest = ReturnType<typeof requestOf>;

/** A token endpoint answer as a {@link TokenSet}: Bearer only (RFC 6749 §7.1), a default lifetime when it names none. */
export function tokenSetOf(idp: IdpContext, response: oauth.TokenEndpointResponse, requestedScope?: string): TokenSet {
  if (response.token_type.toLowerCase() !== 'bearer') {
    throw new AuthFlowError({
      code: 'invalidResponse',
      message: `The IdP issued a token of type ${response.token_type}, not Bearer.`,
    });
  }
  const expiresIn =
    typeof response.expires_in === 'number' ? response.expires_in : (idp.options.defaultExpiresInMs ?? 300_000) / 1000;
  const scope = response.scope ?? requestedScope;
  return {
    accessToken: response.access_token,
    tokenType: 'Bearer',
    expiresAt: Date.now() + expiresIn * 1000,
    ...(response.refresh_token ? { refreshToken: response.refresh_token } : {}),
    ...(response.id_token ? { idToken: response.id_token } : {}),
    ...(scope ? { scope } : {}),
  };
}
