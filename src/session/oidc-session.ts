/**
 * Sessions over an OpenID Connect sign-in: one IdP client for renewals and logout (one discovery), the
 * renewal its kind provides (the refresh-token grant for a person, a new client-credentials request for
 * a service), and the IdP's revocation on logout.
 */
import type { InspectionEvent } from 'xstate';
import type { IdClaims, TokenSet } from '../../machines/shared/tokens.js';
import type { IdpChoice, ResolvedIdp } from '../config/resolve-idp.js';
import { resolveIdp } from '../config/resolve-idp.js';
import { renewPersonTokens } from '../flows/authorization-code.js';
import { renewServiceToken } from '../flows/client-credentials.js';
import type { HttpOptions } from '../protocol/http.js';
import { createOidcClient, type OidcClient, type OidcClientOptions } from '../protocol/oidc.js';
import { type CdfSession, oidcSession, type RemoteLogout } from './cdf-session.js';
import { createSession, type Session, type SessionSharing } from './session.js';

/** What an OIDC session renews with: the same options its sign-in took (pass the same object). */
export interface OidcRenewalOptions extends IdpChoice {
  /** The client id at the IdP. */
  readonly clientId: string;
  /** A service's client secret: then it renews with client credentials; a person's session has none. */
  readonly clientSecret?: string | undefined;
  /** An RFC 8707 resource indicator, for IdPs that decide the audience by it. */
  readonly resource?: string | undefined;
  /** Options for the IdP client (algorithms, clock skew, JWKS cooldown, `clientAuth`). */
  readonly oidc?:
    | Omit<OidcClientOptions, 'issuer' | 'clientId' | 'clientSecret' | 'resource' | 'timeoutMs' | 'fetch'>
    | undefined;
  /** The deadline of each request, ms. @default 15000 */
  readonly timeoutMs?: number | undefined;
  /** The `fetch` every request goes through. @default globalThis.fetch */
  readonly fetch?: typeof fetch | undefined;
  /** Sent as `x-cdp-app` to CDF. */
  readonly appId?: string | undefined;
  /** Retries and body cap of the CDF calls (their deadline is `timeoutMs`). */
  readonly http?: Omit<HttpOptions, 'timeoutMs' | 'fetch'> | undefined;
}

/**
 * The IdP client of a flow or a session: its issuer (or the preset's token endpoint, used without
 * discovery), client, secret, resource and client options, built in this one place.
 */
export function oidcClientFor(options: OidcRenewalOptions, issuer: string, clientSecret?: string): OidcClient {
  return createOidcClient({
    issuer,
    clientId: options.clientId,
    ...(clientSecret ? { clientSecret } : {}),
    ...(options.idp?.tokenEndpoint && !options.issuer ? { tokenEndpoint: options.idp.tokenEndpoint } : {}),
    ...(options.resource ? { resource: options.resource } : {}),
    ...options.oidc,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** A sign-in a session starts from: its tokens, the claims a refreshed ID token must keep, and its IdP. */
export interface OidcSessionSignIn {
  /** The tokens. Secret. */
  readonly tokens: TokenSet;
  /** The ID token's claims at sign-in; a refreshed ID token must keep `iss`, `sub` and `aud`. */
  readonly claims?: IdClaims | null;
  /** The IdP as the sign-in resolved it; resolved again from the options when absent. */
  readonly idp?: ResolvedIdp;
}

/** What a session takes besides its sign-in and renewal options. */
export interface OidcSessionExtras {
  /** Renew when fewer than this many ms remain. @default 30000 */
  readonly leewayMs?: number;
  /** Called with every new token set. */
  readonly onTokens?: (tokens: TokenSet) => void;
  /** Where the tokens are shared: renewals run once across everything that shares them. */
  readonly sharing?: SessionSharing;
  /** The session actor's inspection events (redacted by the caller). */
  readonly inspect?: (event: InspectionEvent) => void;
}

/**
 * The IdP of a sign-in or a session, and the one client for it: `resolved` when a sign-in already
 * resolved it, else resolved now (a service when the options carry a client secret, else a person).
 */
export function idpFor(options: OidcRenewalOptions, resolved?: ResolvedIdp) {
  const idp = resolved ?? resolveIdp(options, options.clientSecret ? 'service' : 'user');
  return { resolved: idp, oidc: oidcClientFor(options, idp.issuer, options.clientSecret) };
}

/** A session that renews as its kind does: a new client-credentials request, or the refresh-token grant. */
function sessionWith(
  idp: ReturnType<typeof idpFor>,
  signIn: OidcSessionSignIn,
  options: OidcRenewalOptions,
  extra: OidcSessionExtras,
): Session {
  const original = signIn.claims ?? null;
  const request = {
    tokenParams: idp.resolved.tokenParams,
    ...(options.resource ? { resource: options.resource } : {}),
  };
  return createSession({
    tokens: signIn.tokens,
    ...(extra.leewayMs !== undefined ? { leewayMs: extra.leewayMs } : {}),
    ...(extra.onTokens ? { onTokens: extra.onTokens } : {}),
    ...(extra.sharing ? { sharing: extra.sharing } : {}),
    ...(extra.inspect ? { inspect: extra.inspect } : {}),
    refresh: options.clientSecret
      ? renewServiceToken(idp.oidc, idp.resolved.scope, request)
      : renewPersonTokens(idp.oidc, () => original),
  });
}

/** The token session of an OIDC sign-in (for the drivers' own use: the CLI's cache, `defaultCredential`). */
export function sessionFor(
  signIn: OidcSessionSignIn,
  options: OidcRenewalOptions,
  extra: OidcSessionExtras = {},
): Session {
  return sessionWith(idpFor(options, signIn.idp), signIn, options, extra);
}

/** A {@link CdfSession} over an OIDC sign-in: renewals as its kind renews, the IdP's revocation on logout. */
export function cdfSessionFor(
  signIn: OidcSessionSignIn,
  options: OidcRenewalOptions,
  extra: OidcSessionExtras = {},
): CdfSession {
  const idp = idpFor(options, signIn.idp);
  return oidcSession(sessionWith(idp, signIn, options, extra), {
    baseUrl: options.baseUrl,
    ...(options.appId ? { appId: options.appId } : {}),
    revoke: (tokens, signal) => revokeAt(idp.oidc, tokens, signal),
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
