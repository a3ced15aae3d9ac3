/**
 * IdP presets: what each identity provider CDF customers use needs to be asked, so that the access token
 * it issues is one CDF accepts. A preset names the issuer, the scope of the user flows (code, device) and
 * of client credentials, and the extra parameters some IdPs need (Auth0's `audience`). The wire facts
 * behind each preset are in docs/guides/ (Entra ID, Auth0, Cognito).
 */

/** The IdPs with a preset. */
export type IdpProvider = 'entra' | 'auth0' | 'cognito' | 'okta' | 'keycloak' | 'cogidp' | 'oidc';

/** Each IdP by the name a person knows it by (the Toolkit says "Cognite IDP" for auth.cognite.com). */
const IDP_NAMES: Readonly<Record<IdpProvider, string>> = {
  entra: 'Microsoft Entra ID',
  auth0: 'Auth0',
  cognito: 'Amazon Cognito',
  okta: 'Okta',
  keycloak: 'Keycloak',
  cogidp: 'Cognite IdP',
  oidc: 'the OpenID provider',
};

/**
 * The name of an IdP preset as messages say it, or `null` for a provider this version does not know.
 *
 * @example
 * ```ts
 * idpName('cogidp'); // 'Cognite IdP'
 * ```
 */
export function idpName(provider: string): string | null {
  return Object.hasOwn(IDP_NAMES, provider) ? (IDP_NAMES[provider as IdpProvider] ?? null) : null;
}

/** What an OIDC sign-in needs from the IdP side, as a preset resolves it. */
export interface IdpPreset {
  /** Which IdP this is: it decides the scope conventions and error hints. */
  readonly provider: IdpProvider;
  /** The issuer identifier; discovery must answer with exactly this (Entra's multi-tenant template aside). */
  readonly issuer: string;
  /** The scope of the user flows (code + PKCE, device code). */
  readonly userScope: string;
  /** The scope of client credentials; empty when the IdP needs none. */
  readonly serviceScope: string;
  /** Extra parameters of the authorization request, e.g. `audience`, `domain_hint`. */
  readonly authorizationParams: Readonly<Record<string, string>>;
  /** Extra parameters of the device and client-credentials requests, e.g. `audience`. */
  readonly tokenParams: Readonly<Record<string, string>>;
  /** Whether the IdP has a device authorization endpoint. */
  readonly deviceFlow: boolean;
  /**
   * The loopback redirect URIs this IdP's ecosystem registers, tried in order (the first free port wins);
   * absent: any port of `http://127.0.0.1/callback` (RFC 8252 §7.3).
   */
  readonly redirectUris?: readonly string[];
  /**
   * A token endpoint to call without discovery (the Cognite Toolkit's `IDP_TOKEN_URL` for an IdP it names
   * no issuer of): client credentials only.
   */
  readonly tokenEndpoint?: string;
}

/** The scopes that make a refresh token and an ID token possible in the user flows. */
const USER_SCOPES = 'offline_access openid profile';

const CLUSTER = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The base URL of a CDF cluster by name, as the Cognite Toolkit's `CDF_CLUSTER` does:
 * `westeurope-1` → `https://westeurope-1.cognitedata.com`.
 *
 * @example
 * ```ts
 * clusterUrl('westeurope-1'); // 'https://westeurope-1.cognitedata.com'
 * ```
 */
export function clusterUrl(cluster: string): string {
  if (!CLUSTER.test(cluster)) {
    throw new TypeError(
      `"${cluster.slice(0, 64)}" is not a CDF cluster name (letters, digits and -, e.g. westeurope-1).`,
    );
  }
  return `https://${cluster}.cognitedata.com`;
}

/** The origin of a CDF base URL, the resource its tokens are for. */
const originOf = (baseUrl: string) => new URL(baseUrl).origin;

/**
 * The scopes that make Entra ID (and any IdP following its convention) issue a token for this cluster:
 * `{origin}/.default`, plus `offline_access openid profile` for the user flows. This is the default
 * whenever no scope is given, as `IDP_SCOPES` defaults to `{CDF_URL}/.default` in the CDF ecosystem.
 *
 * @example
 * ```ts
 * cdfScopes('https://westeurope-1.cognitedata.com').user;
 * // 'https://westeurope-1.cognitedata.com/.default offline_access openid profile'
 * ```
 */
export function cdfScopes(baseUrl: string): {
  /** `{cluster}/.default openid profile offline_access`: a person's token for CDF, with a refresh token. */
  readonly user: string;
  /** `{cluster}/.default`: a service's token for CDF. */
  readonly service: string;
} {
  const resource = `${originOf(baseUrl)}/.default`;
  return { user: `${resource} ${USER_SCOPES}`, service: resource };
}

/** Options of {@link entra}. */
export interface EntraOptions {
  /** The directory: a tenant GUID, a verified domain, or `organizations` / `common` for multi-tenant apps. */
  readonly tenant: string;
  /** The CDF cluster's base URL the token is for (or use `cluster`). */
  readonly baseUrl?: string;
  /** The CDF cluster by name, e.g. `westeurope-1`. */
  readonly cluster?: string;
  /**
   * `default` asks for `{cluster}/.default` (the app registration's configured permissions);
   * `impersonation` for `{cluster}/user_impersonation {cluster}/IDENTITY`, where the registration uses them.
   * @default 'default'
   */
  readonly scopes?: 'default' | 'impersonation';
  /** The login host, for national clouds or a local emulator. @default 'https://login.microsoftonline.com' */
  readonly authority?: string;
  /** Extra authorization parameters, e.g. `{ domain_hint: 'contoso.com', login_hint: 'ada@contoso.com' }`. */
  readonly authorizationParams?: Readonly<Record<string, string>>;
}

/** The CDF base URL of a preset's options: `baseUrl`, or the cluster by name. */
function baseUrlOf(options: { readonly baseUrl?: string; readonly cluster?: string }, preset: string): string {
  if (options.baseUrl) return options.baseUrl;
  if (options.cluster) return clusterUrl(options.cluster);
  throw new TypeError(`${preset}() needs the CDF cluster: pass baseUrl or cluster.`);
}

/**
 * Microsoft Entra ID (v2 endpoints), where most CDF projects sign in. The scope names the cluster, which
 * makes Entra issue the token for CDF (without it the token is for Microsoft Graph, and CDF answers 401).
 *
 * @example
 * ```ts
 * const preset = entra({ tenant: 'contoso.onmicrosoft.com', cluster: 'westeurope-1' });
 * // preset.issuer === 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0'
 * ```
 */
export function entra(options: EntraOptions): IdpPreset {
  if (!/^[A-Za-z0-9.-]+$/.test(options.tenant)) throw new TypeError('entra(): tenant is a tenant id or domain.');
  const authority = (options.authority ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
  const cluster = originOf(baseUrlOf(options, 'entra'));
  const user =
    options.scopes === 'impersonation'
      ? `${cluster}/user_impersonation ${cluster}/IDENTITY ${USER_SCOPES}`
      : `${cluster}/.default ${USER_SCOPES}`;
  return {
    provider: 'entra',
    issuer: `${authority}/${options.tenant}/v2.0`,
    userScope: user,
    serviceScope: `${cluster}/.default`,
    authorizationParams: { ...options.authorizationParams },
    tokenParams: {},
    deviceFlow: true,
  };
}

/** Options of {@link auth0}. */
export interface Auth0Options {
  /** The tenant's domain, e.g. `my-tenant.eu.auth0.com` or a custom domain (or an origin, for a local emulator). */
  readonly domain: string;
  /** The API identifier CDF's project trusts; without it Auth0 issues an opaque token CDF cannot read. */
  readonly audience: string;
  /** Extra parameters of the authorization request (protocol parameters cannot be replaced). */
  readonly authorizationParams?: Readonly<Record<string, string>>;
}

/**
 * Auth0: the issuer has a trailing slash, and `audience` goes on the authorization, device and
 * client-credentials requests, so that the access token is a JWT for the API CDF trusts.
 *
 * @example
 * ```ts
 * const preset = auth0({ domain: 'my-tenant.eu.auth0.com', audience: 'https://my-cdf-api' });
 * ```
 */
export function auth0(options: Auth0Options): IdpPreset {
  if (!options.audience) throw new TypeError('auth0(): audience is required (the API identifier CDF trusts).');
  return {
    provider: 'auth0',
    issuer: `${originOfDomain(options.domain)}/`,
    userScope: USER_SCOPES,
    serviceScope: '',
    authorizationParams: { ...options.authorizationParams, audience: options.audience },
    tokenParams: { audience: options.audience },
    deviceFlow: true,
    // Auth0 compares the callback URL exactly.
    redirectUris: [COGNITE_SDK_REDIRECT_URI],
  };
}

/** Options of {@link cognito}. */
export interface CognitoOptions {
  /** The AWS region, e.g. `eu-west-1`. */
  readonly region: string;
  /** The user pool id, e.g. `eu-west-1_AbCdEf123`. */
  readonly userPoolId: string;
  /** The resource-server scopes (`resource-id/scope`) of client credentials. @default the cluster's origin, when `baseUrl` or `cluster` is given */
  readonly serviceScope?: string;
  /** The CDF cluster's base URL (or use `cluster`): the service scope is derived from it. */
  readonly baseUrl?: string;
  /** The CDF cluster by name, e.g. `westeurope-1`. */
  readonly cluster?: string;
  /** Extra parameters of the authorization request (protocol parameters cannot be replaced). */
  readonly authorizationParams?: Readonly<Record<string, string>>;
}

/** The scopes of Cognite's resource server in a Cognito user pool set up for CDF (docs.cognite.com). */
const COGNITO_USER_SCOPE = 'openid https://cognitedata.com/IDENTITY https://cognitedata.com/user_impersonation';

/**
 * Amazon Cognito: the issuer is the user pool; there is no device flow, and `offline_access` is not a
 * Cognito scope (the code flow gets a refresh token without it). A person asks for the scopes of the
 * `https://cognitedata.com` resource server CDF's set-up registers; a service for the cluster's scope
 * `https://{cluster}.cognitedata.com` (its resource server is `https:/`), unless `serviceScope` says otherwise.
 *
 * @example
 * ```ts
 * const preset = cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbCdEf123' });
 * ```
 */
export function cognito(options: CognitoOptions): IdpPreset {
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(options.region)) throw new TypeError('cognito(): region is e.g. eu-west-1.');
  if (!/^[\w-]+_[0-9A-Za-z]+$/.test(options.userPoolId))
    throw new TypeError('cognito(): userPoolId is e.g. eu-west-1_AbC.');
  const cluster = options.baseUrl || options.cluster ? originOf(baseUrlOf(options, 'cognito')) : undefined;
  return {
    ...issuerPreset('cognito', `https://cognito-idp.${options.region}.amazonaws.com/${options.userPoolId}`, {
      ...options,
      ...(options.serviceScope === undefined && cluster ? { serviceScope: cluster } : {}),
    }),
    userScope: COGNITO_USER_SCOPE,
    deviceFlow: false,
    // Cognito compares the callback URL exactly (plain http only for localhost).
    redirectUris: [COGNITE_SDK_REDIRECT_URI],
  };
}

/** Options of {@link okta}. */
export interface OktaOptions {
  /** The org's domain, e.g. `my-org.okta.com`. */
  readonly domain: string;
  /** The custom authorization server; `null` for the org server. @default 'default' */
  readonly authorizationServer?: string | null;
  /** The custom scopes of client credentials. */
  readonly serviceScope?: string;
  /** Extra parameters of the authorization request (protocol parameters cannot be replaced). */
  readonly authorizationParams?: Readonly<Record<string, string>>;
}

/**
 * Okta: a custom authorization server (`/oauth2/default` unless named) or the org server.
 *
 * @example
 * ```ts
 * const preset = okta({ domain: 'my-org.okta.com' });
 * ```
 */
export function okta(options: OktaOptions): IdpPreset {
  const server = options.authorizationServer === undefined ? 'default' : options.authorizationServer;
  return {
    ...issuerPreset('okta', `${originOfDomain(options.domain)}${server === null ? '' : `/oauth2/${server}`}`, options),
    // Okta compares the redirect URI exactly.
    redirectUris: [COGNITE_SDK_REDIRECT_URI],
  };
}

/** Options of {@link keycloak}. */
export interface KeycloakOptions {
  /** The server, e.g. `https://sso.example.com` (with `/auth` for versions before 17). */
  readonly url: string;
  /** The realm the CDF project trusts. */
  readonly realm: string;
  /** The client scopes of client credentials. */
  readonly serviceScope?: string;
  /** Extra parameters of the authorization request (protocol parameters cannot be replaced). */
  readonly authorizationParams?: Readonly<Record<string, string>>;
}

/**
 * Keycloak: the issuer is the realm.
 *
 * @example
 * ```ts
 * const preset = keycloak({ url: 'https://sso.example.com', realm: 'cdf' });
 * ```
 */
export function keycloak(options: KeycloakOptions): IdpPreset {
  return issuerPreset(
    'keycloak',
    `${options.url.replace(/\/+$/, '')}/realms/${encodeURIComponent(options.realm)}`,
    options,
  );
}

/**
 * The loopback redirect the CDF ecosystem registers at IdPs that compare it exactly (Auth0, Okta,
 * Cognito): the Cognite Python SDK's `OAuthInteractive` listens on `http://localhost:53000`.
 */
export const COGNITE_SDK_REDIRECT_URI = 'http://localhost:53000';

/** Cognite IdP's one issuer, for every organization. */
export const COGNITE_IDP_ISSUER = 'https://auth.cognite.com';

/** An organization id at Cognite IdP. */
const ORGANIZATION = /^[a-z][a-z0-9-]{1,62}[a-z0-9]$/;

/**
 * The loopback redirect URIs the Cognite Toolkit registers at Cognite IdP: port 3000, then 3100–3110.
 */
export const COGNITE_IDP_REDIRECT_URIS: readonly string[] = [
  3000,
  ...Array.from({ length: 11 }, (_, i) => 3100 + i),
].map((port) => `http://localhost:${port}/`);

/** Options of {@link cogidp}. */
export interface CogIdpOptions {
  /** The organization a person signs in to (sent as `organization_hint`); a service needs none. */
  readonly org?: string;
  /** The issuer, for a local emulator. @default 'https://auth.cognite.com' */
  readonly issuer?: string;
  /** Extra parameters of the authorization request (protocol parameters cannot be replaced). */
  readonly authorizationParams?: Readonly<Record<string, string>>;
}

/**
 * Cognite IdP (`auth.cognite.com`), Cognite's own identity provider: one issuer for every organization; a
 * person signs in to an organization (`organization_hint`) with code + PKCE and the scopes
 * `openid profile email offline_access`, through the loopback redirects the Cognite Toolkit registers; a
 * service asks for client credentials with no scope. It has no device flow.
 *
 * @example
 * ```ts
 * const preset = cogidp({ org: 'my-org' });
 * // preset.authorizationParams.organization_hint === 'my-org'
 * ```
 */
export function cogidp(options: CogIdpOptions = {}): IdpPreset {
  if (options.org !== undefined && !ORGANIZATION.test(options.org)) {
    throw new TypeError(
      `cogidp(): "${options.org.slice(0, 64)}" is not an organization id (lower-case letters, digits and -, 3 to 64 long).`,
    );
  }
  return {
    provider: 'cogidp',
    issuer: options.issuer ?? COGNITE_IDP_ISSUER,
    userScope: 'openid profile email offline_access',
    serviceScope: '',
    authorizationParams: {
      ...options.authorizationParams,
      ...(options.org ? { organization_hint: options.org } : {}),
    },
    tokenParams: {},
    deviceFlow: false,
    redirectUris: COGNITE_IDP_REDIRECT_URIS,
  };
}

/** Options of {@link oidc}. */
export interface GenericOidcOptions {
  /** The issuer identifier; discovery must answer with exactly this. */
  readonly issuer: string;
  /** The CDF cluster; when no scope is given, the scopes are derived from it ({@link cdfScopes}). */
  readonly baseUrl?: string;
  /** The CDF cluster by name, e.g. `westeurope-1` (instead of `baseUrl`). */
  readonly cluster?: string;
  /** The scope of the user flows; derived from the cluster when absent. */
  readonly userScope?: string;
  /** The scope of client credentials; derived from the cluster when absent. */
  readonly serviceScope?: string;
  /** Extra parameters of the authorization request (protocol parameters cannot be replaced). */
  readonly authorizationParams?: Readonly<Record<string, string>>;
  /** Extra parameters of the device and client-credentials requests. */
  readonly tokenParams?: Readonly<Record<string, string>>;
}

/**
 * Any other OpenID Connect provider. Without scopes, the CDF convention applies: `{cluster}/.default`.
 *
 * @example
 * ```ts
 * const preset = oidc({ issuer: 'https://idp.example.com', cluster: 'westeurope-1' });
 * ```
 */
export function oidc(options: GenericOidcOptions): IdpPreset {
  const derived = options.baseUrl || options.cluster ? cdfScopes(baseUrlOf(options, 'oidc')) : null;
  return {
    provider: 'oidc',
    issuer: options.issuer,
    userScope: options.userScope ?? derived?.user ?? USER_SCOPES,
    serviceScope: options.serviceScope ?? derived?.service ?? '',
    authorizationParams: { ...options.authorizationParams },
    tokenParams: { ...options.tokenParams },
    deviceFlow: true,
  };
}

/**
 * A preset whose scopes are the OIDC ones for people and the configured ones for services (the IdPs
 * whose CDF audience is set up in the IdP, not asked for in the scope), with a device flow.
 */
function issuerPreset(
  provider: IdpPreset['provider'],
  issuer: string,
  options: { readonly serviceScope?: string; readonly authorizationParams?: Readonly<Record<string, string>> },
): IdpPreset {
  return {
    provider,
    issuer,
    userScope: USER_SCOPES,
    serviceScope: options.serviceScope ?? '',
    authorizationParams: { ...options.authorizationParams },
    tokenParams: {},
    deviceFlow: true,
  };
}

/** `https://{domain}`, or the origin given (plain http reaches only a loopback emulator: the client refuses it elsewhere). */
function originOfDomain(domain: string): string {
  return /^https?:\/\//.test(domain) ? new URL(domain).origin : `https://${hostOf(domain)}`;
}

function hostOf(domain: string): string {
  const host = domain.replace(/^https:\/\//, '').replace(/\/+$/, '');
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(host)) throw new TypeError(`"${host.slice(0, 64)}" is not a domain.`);
  return host;
}
