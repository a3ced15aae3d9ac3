/**
 * OpenID Connect on the wire, through `oauth4webapi` (request building and response processing) and
 * `jose` (ID-token signatures against the IdP's JWKS). The machines decide; this module only talks.
 * The calls are flat functions in `oidc/` over one IdP context; {@link createOidcClient} binds them.
 */
import type { DeviceAuthorization, PollResult } from '../../machines/device-code.js';
import type { IdClaims, IdpMetadata, TokenSet } from '../../machines/shared/tokens.js';
import { authorizationUrl, endSessionUrl } from './oidc/authorize.js';
import { idpContext, type OidcClientOptions } from './oidc/context.js';
import { metadataOf } from './oidc/discovery.js';

export type { OidcClientOptions } from './oidc/context.js';

import { pollDeviceCode, requestDeviceCode } from './oidc/device.js';
import { validateIdToken } from './oidc/id-token.js';
import { clientCredentials, exchangeCode, refresh, revoke } from './oidc/token.js';

/** A client of one IdP. Create it with {@link createOidcClient}. */
export interface OidcClient {
  /** Discovery (`/.well-known/openid-configuration`); fails with `issuerMismatch` unless `issuer` matches exactly. */
  discover(signal?: AbortSignal): Promise<IdpMetadata>;
  /** The authorization URL: `response_type=code`, PKCE S256 always, `state` and `nonce`. */
  authorizationUrl(input: {
    redirectUri: string;
    scope: string;
    state: string;
    nonce: string;
    codeVerifier: string;
    prompt?: string;
    /** Extra parameters (e.g. Auth0's `audience`); the protocol's own cannot be replaced. */
    params?: Readonly<Record<string, string>>;
  }): Promise<string>;
  /** The RP-initiated logout URL of the IdP, or `null` when it advertises no `end_session_endpoint`. */
  endSessionUrl(input: { idTokenHint?: string; postLogoutRedirectUri: string }): Promise<string | null>;
  /** Checks the callback again (state, iss) and redeems its code once. */
  exchangeCode(
    input: { callbackUrl: string; redirectUri: string; state: string; codeVerifier: string; nonce: string },
    signal?: AbortSignal,
  ): Promise<TokenSet>;
  /** Validates an ID token: signature from `jwks_uri`, algorithm allow-list, iss, aud/azp, exp/iat, nonce. */
  validateIdToken(idToken: string, expected: { nonce?: string | null; original?: IdClaims | null }): Promise<IdClaims>;
  /** The refresh-token grant (RFC 6749 §6); a rotated refresh token comes back in the set. */
  refresh(refreshToken: string, signal?: AbortSignal): Promise<TokenSet>;
  /** The client-credentials grant (RFC 6749 §4.4), with an RFC 8707 `resource` when the IdP needs one. */
  clientCredentials(
    input: { scope: string; resource?: string; params?: Readonly<Record<string, string>> },
    signal?: AbortSignal,
  ): Promise<TokenSet>;
  /**
   * Revokes a token at the IdP (RFC 7009): `true` when revoked, `false` when the IdP advertises no
   * revocation endpoint (Entra ID). Revoking the refresh token ends the sign-in at the IdP.
   */
  revoke(token: string, hint: 'refresh_token' | 'access_token', signal?: AbortSignal): Promise<boolean>;
  /** The device authorization request (RFC 8628 §3.1), with extra parameters such as Auth0's `audience`. */
  requestDeviceCode(
    input: { scope: string; params?: Readonly<Record<string, string>> },
    signal?: AbortSignal,
  ): Promise<DeviceAuthorization>;
  /** One device token poll (RFC 8628 §3.4): tokens, or pending, slow down, denied, expired. */
  pollDeviceCode(deviceCode: string, signal?: AbortSignal): Promise<PollResult>;
}

/**
 * Creates an {@link OidcClient}. Plain `http` is refused except on loopback addresses (the emulator).
 *
 * @example
 * ```ts
 * const idp = createOidcClient({ issuer: 'https://login.example.com', clientId: 'cli' });
 * const metadata = await idp.discover();
 * ```
 * @see RFC 8414, RFC 7636, RFC 9207, OpenID Connect Core 1.0 section 3.1.3.7
 */
export function createOidcClient(options: OidcClientOptions): OidcClient {
  const idp = idpContext(options);
  return {
    async discover(signal) {
      const metadata = await metadataOf(idp, signal);
      return {
        // An Entra multi-tenant template was checked against the configured authority in metadataOf.
        issuer: metadata.issuer.includes('{tenantid}') ? options.issuer : metadata.issuer,
        issParameterSupported: metadata.authorization_response_iss_parameter_supported === true,
        // Entra ID supports S256 but does not list it: only a list without S256 is a refusal (RFC 8414 §2).
        s256Supported: metadata.code_challenge_methods_supported?.includes('S256') ?? true,
      };
    },
    authorizationUrl: (input) => authorizationUrl(idp, input),
    endSessionUrl: (input) => endSessionUrl(idp, input),
    exchangeCode: (input, signal) => exchangeCode(idp, input, signal),
    validateIdToken: (idToken, expected) => validateIdToken(idp, idToken, expected),
    refresh: (refreshToken, signal) => refresh(idp, refreshToken, signal),
    clientCredentials: (input, signal) => clientCredentials(idp, input, signal),
    revoke: (token, hint, signal) => revoke(idp, token, hint, signal),
    requestDeviceCode: (input, signal) => requestDeviceCode(idp, input, signal),
    pollDeviceCode: (deviceCode, signal) => pollDeviceCode(idp, deviceCode, signal),
  };
}
