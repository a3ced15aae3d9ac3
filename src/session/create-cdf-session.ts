/**
 * The one way to make a session with CDF from a sign-in, whatever the way in: an OIDC sign-in (a person
 * or a service), a login-URL session, an API key, or a bearer token obtained elsewhere. Every session has
 * the same surface ({@link CdfSession}); how it renews follows from its kind.
 */

import type { LoginUrlSession } from '../../machines/login-url.js';
import { InvalidArgumentError } from '../errors/invalid-argument.js';
import { type InspectOptions, inspectorFor } from '../protocol/redact-inspection.js';
import { apiKeySession, bearerTokenSession, type CdfSession, loginUrlSession } from './cdf-session.js';
import { cdfSessionFor, type OidcRenewalOptions, type OidcSessionSignIn } from './oidc-session.js';
import type { SessionSharing } from './session.js';

/**
 * A sign-in, tagged with its kind, as the flows of `cdf-authflow/node` return it (`kind` included) or as
 * an app has it: `oidc` (renews with the refresh token, or with client credentials when the options carry
 * a client secret), `login-url` (cannot renew), `api-key` (cannot renew; a 401 ends it), `token` (a bearer
 * token from elsewhere, such as the Cognite Toolkit's `CDF_TOKEN`; cannot renew).
 */
export type SignIn =
  | (OidcSessionSignIn & {
      /** An OpenID Connect sign-in, a person's or a service's. */
      readonly kind: 'oidc';
    })
  | (LoginUrlSession & {
      /** A login-URL session. */
      readonly kind: 'login-url';
    })
  | {
      /** An API key. */
      readonly kind: 'api-key';
      /** The key. Secret. */
      readonly apiKey: string;
    }
  | {
      /** A bearer token CDF accepts, obtained elsewhere. */
      readonly kind: 'token';
      /** The token. Secret. */
      readonly accessToken: string;
      /** When it expires, ms since epoch, where known. */
      readonly expiresAt?: number;
    };

/** What every session takes. */
export interface CdfSessionOptions extends InspectOptions {
  /** The cluster, e.g. `https://api.cognitedata.com`; the credentials go to this origin only. */
  readonly baseUrl: string;
  /** Sent as `x-cdp-app`. */
  readonly appId?: string | undefined;
  /** Renew when fewer than this many ms remain (`isFresh`). @default 30000 */
  readonly leewayMs?: number;
  /** Where the tokens are shared with other tabs, processes or instances: renewals run once across them. */
  readonly sharing?: SessionSharing;
}

/**
 * A {@link CdfSession} over a sign-in. For an OIDC sign-in pass the options the sign-in took (issuer or
 * preset, client id, and for a service its secret): the session renews with them.
 *
 * @example
 * ```ts
 * const device = { idp: entra({ tenant, cluster: 'westeurope-1' }), clientId, baseUrl, onUserCode: console.log };
 * const session = createCdfSession(await loginWithDeviceCode(device), device);
 * const client = new CogniteClient({ appId, project, baseUrl, oidcTokenProvider: session.getToken });
 * ```
 */
export function createCdfSession(
  signIn: Extract<SignIn, { kind: 'oidc' }>,
  options: CdfSessionOptions & OidcRenewalOptions,
): CdfSession;
export function createCdfSession(signIn: Exclude<SignIn, { kind: 'oidc' }>, options: CdfSessionOptions): CdfSession;
export function createCdfSession(signIn: SignIn, options: CdfSessionOptions & Partial<OidcRenewalOptions>): CdfSession {
  const inspect = inspectorFor(options);
  // Every kind's session actor reports to the one observer, redacted unless unsafeUnredacted.
  const app = { ...(options.appId ? { appId: options.appId } : {}), ...(inspect ? { inspect } : {}) };
  switch (signIn.kind) {
    case 'oidc':
      if (!options.clientId)
        throw new InvalidArgumentError('An OIDC session needs the options of its sign-in (clientId, issuer or idp).');
      return cdfSessionFor(signIn, options as OidcRenewalOptions, {
        ...(options.leewayMs === undefined ? {} : { leewayMs: options.leewayMs }),
        ...(options.sharing ? { sharing: options.sharing } : {}),
        ...(inspect ? { inspect } : {}),
      });
    case 'login-url':
      return loginUrlSession(signIn, { baseUrl: options.baseUrl, ...app });
    case 'api-key':
      return apiKeySession({ apiKey: signIn.apiKey, baseUrl: options.baseUrl, ...app });
    case 'token':
      return bearerTokenSession({
        accessToken: signIn.accessToken,
        baseUrl: options.baseUrl,
        ...(signIn.expiresAt === undefined ? {} : { expiresAt: signIn.expiresAt }),
        ...app,
      });
    default:
      throw new InvalidArgumentError(`Unknown kind of sign-in "${(signIn as { kind?: unknown }).kind}".`);
  }
}
