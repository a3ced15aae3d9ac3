/**
 * The Node driver for the OpenID Connect flows: code + PKCE through a loopback redirect (RFC 8252),
 * device code (RFC 8628) and client credentials, each ending with CDF's `/api/v1/token/inspect`.
 * What runs them is loaded on the first sign-in (`oidc-sign-in.ts`): importing the driver stays cheap.
 */
import type { OidcSignIn } from '../../../machines/authorization-code.js';
import type { ServiceSignIn } from '../../../machines/client-credentials.js';
import type {
  AuthorizationCodeFlowOptions,
  ClientCredentialsFlowOptions,
  DeviceCodeFlowOptions,
  WithIdp,
} from './oidc-sign-in.js';

export type {
  AuthorizationCodeFlowOptions,
  ClientCredentialsFlowOptions,
  DeviceCodeFlowOptions,
  OidcFlowOptions,
  PickedProject,
  WithIdp,
} from './oidc-sign-in.js';

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

/**
 * Signs a person in with the device authorization grant: shows `user_code` and `verification_uri`,
 * polls at the IdP's interval (5 s when it names none, +5 s for good on `slow_down`), stops on
 * `access_denied`, `expired_token` or the code's deadline.
 * @see RFC 8628
 */
export async function loginWithDeviceCode(options: DeviceCodeFlowOptions): Promise<WithIdp<OidcSignIn>> {
  return (await import('./oidc-sign-in.js')).deviceCodeSignIn(options);
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
