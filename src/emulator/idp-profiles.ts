/**
 * The emulator IdP's profiles: as strict as the real IdPs, so that a configuration that would fail against
 * Entra ID, Auth0 or Cognite IdP fails against the emulator too (docs/guides/). `generic` is plain
 * oidc-provider with the cluster as the default audience; `entra`, `auth0` and `cogidp` change paths,
 * issuer, audience rules, redirect URI rules, metadata and error bodies the way those IdPs do, on top of
 * the same oidc-provider.
 */
import { createHash, randomUUID } from 'node:crypto';
import { escapeHtml } from './idp-pages.js';

/** The profile names. */
export type IdpProfileName = 'generic' | 'entra' | 'auth0' | 'cogidp';

/** The part of a Koa context the profiles read and change. */
interface KoaContext {
  path: string;
  status: number;
  body: unknown;
  method: string;
  request: { body?: unknown };
  query: Record<string, unknown>;
  response: { get(name: string): string; set(name: string, value: string): void };
  get(header: string): string;
  type: string;
  oidc?: { params?: Record<string, unknown>; body?: Record<string, unknown> };
  remove(header: string): void;
}

/** The errors of oidc-provider a profile throws (the package is loaded lazily, so they are passed in). */
export interface ProviderErrors {
  InvalidRequest: new (description: string) => Error;
  InvalidScope: new (description: string, scope: string) => Error;
  InvalidTarget: new (description: string) => Error;
  AccessDenied: new (description: string) => Error;
}

/** A profile: what differs from plain oidc-provider. */
export interface IdpProfile {
  readonly name: IdpProfileName;
  /** The Entra tenant id (a GUID), `null` for the other profiles. */
  readonly tenantId: string | null;
  /** The issuer for the IdP's origin. */
  issuerOf(origin: string): string;
  /** oidc-provider's `routes` (paths of the endpoints). */
  readonly routes: Readonly<Record<string, string>>;
  /** oidc-provider's `claims` (which claims each scope releases). */
  readonly claims: Readonly<Record<string, readonly string[]>>;
  /** Request parameters oidc-provider must keep (Auth0's `audience`). */
  readonly extraParams: readonly string[];
  /** Claims of a user beside `sub`, `name`, `email`. */
  accountClaims(userId: string): Record<string, unknown>;
  /** Whether the IdP advertises RFC 7009 revocation and introspection. */
  readonly revocation: boolean;
  /** Whether its authorization responses carry RFC 9207 `iss` (what CDF's legacy login may require). */
  readonly issParameter: boolean;
  /**
   * The resource (audience) a request's access token is for, or `undefined` for an opaque token. Throws
   * the IdP's own error for a request the real IdP refuses.
   */
  resourceFor(
    params: Record<string, unknown>,
    resourceServers: readonly string[],
    errors: ProviderErrors,
  ): string | undefined;
  /** The scopes a resource server grants. */
  resourceScopes(resource: string): string;
  /**
   * Koa middleware: path aliases before oidc-provider, the IdP's answer shapes after it; `isClient` says
   * whether a client id is registered (Entra names an unknown one apart from a wrong secret).
   */
  middleware(
    origin: string,
    isClient: (clientId: string) => Promise<boolean>,
  ): (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
  /**
   * The CLI's public client: `native` compares a loopback redirect URI without its port (Entra ID, RFC 8252
   * §7.3), `web` compares it exactly, port and path included (Auth0, Okta, Cognito, Cognite IdP).
   */
  readonly cliClient: { readonly applicationType: 'native' | 'web'; readonly redirectUris: readonly string[] };
  /** Cognite IdP's organization (`organization_hint`), `null` for the other profiles. */
  readonly organization: string | null;
  /** Other public clients the IdP knows beside the CLI's, registered like it (a tool's own app). */
  readonly otherPublicClients: readonly string[];
}

/** A stable tenant id for a seed (or a random one). */
export function tenantIdOf(seed?: string): string {
  if (seed === undefined) return randomUUID();
  const hex = createHash('sha256').update(`tenant:${seed}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const words = (scope: unknown) => (typeof scope === 'string' ? scope.split(' ').filter(Boolean) : []);

/** The OpenID scopes' claims most IdPs release: `sub`, the name, the email. */
const STANDARD_CLAIMS = { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] };

/** What most IdPs do alike: the standard claims, no extra account claims, revocation and RFC 9207 `iss`. */
const STANDARD = {
  claims: STANDARD_CLAIMS,
  accountClaims: () => ({}),
  revocation: true,
  issParameter: true,
} as const;

/** Today's emulator: the cluster is the audience unless a `resource` names another. */
function genericProfile(): IdpProfile {
  return {
    name: 'generic',
    tenantId: null,
    issuerOf: (origin) => origin,
    routes: {},
    claims: STANDARD_CLAIMS,
    extraParams: [],
    accountClaims: () => ({}),
    revocation: true,
    issParameter: true,
    resourceFor: (params, servers) => (typeof params.resource === 'string' ? params.resource : servers[0]),
    resourceScopes: (resource) => `api:read ${resource}/.default`,
    middleware: () => async (_ctx, next) => next(),
    // RFC 8252 §7.3: any port of the loopback redirect.
    cliClient: { applicationType: 'native', redirectUris: ['http://127.0.0.1/callback', 'http://localhost/callback'] },
    organization: null,
    otherPublicClients: [],
  };
}

/** AADSTS codes of the errors the emulator's Entra answers with. */
const AADSTS: Readonly<Record<string, number>> = {
  invalid_grant: 70000,
  invalid_client: 7000215,
  unauthorized_client: 700016,
  invalid_scope: 70011,
  invalid_request: 900144,
  invalid_target: 901002,
  authorization_pending: 70016,
  authorization_declined: 70000,
  expired_token: 70019,
  slow_down: 70016,
  access_denied: 65004,
};

/**
 * Microsoft Entra ID (v2): tenant paths, the tenant issuer and the `{tenantid}` template of `common` and
 * `organizations`, an audience only from a scope that names the resource (`…/.default`,
 * `…/user_impersonation`, `…/IDENTITY`), no `resource` parameter, no PKCE method list and no RFC 9207
 * `iss`, a device answer with `message` and without `verification_uri_complete`, AADSTS error bodies,
 * `authorization_declined`, and no revocation endpoint.
 */
function entraProfile(tenantId: string): IdpProfile {
  const t = `/${tenantId}`;
  const resourceOfScope = (scope: string, servers: readonly string[]) =>
    servers.find((server) =>
      [`${server}/.default`, `${server}/user_impersonation`, `${server}/IDENTITY`].includes(scope),
    );
  return {
    name: 'entra',
    tenantId,
    issuerOf: (origin) => `${origin}${t}/v2.0`,
    routes: {
      authorization: `${t}/oauth2/v2.0/authorize`,
      token: `${t}/oauth2/v2.0/token`,
      device_authorization: `${t}/oauth2/v2.0/devicecode`,
      code_verification: '/devicelogin',
      jwks: `${t}/discovery/v2.0/keys`,
      end_session: `${t}/oauth2/v2.0/logout`,
      userinfo: '/oidc/userinfo',
    },
    claims: {
      openid: ['sub', 'tid', 'oid', 'ver'],
      profile: ['name', 'preferred_username'],
      email: ['email'],
    },
    extraParams: [],
    accountClaims: (userId) => ({
      tid: tenantId,
      oid: tenantIdOf(`oid:${tenantId}:${userId}`),
      ver: '2.0',
      preferred_username: `${userId}@emulator.onmicrosoft.com`,
    }),
    revocation: false,
    issParameter: false,
    resourceFor(params, servers, errors) {
      if (params.resource !== undefined) {
        throw new errors.InvalidTarget("AADSTS901002: The 'resource' request parameter is not supported.");
      }
      checkEntraScopes(params, servers, resourceOfScope, errors);
      const resources = new Set(
        words(params.scope).flatMap((scope) => {
          const server = resourceOfScope(scope, servers);
          return server ? [server] : [];
        }),
      );
      if (resources.size > 1) {
        throw new errors.InvalidScope(
          'AADSTS28000: Provided value for the input parameter scope is not valid because it contains more than one resource.',
          String(params.scope),
        );
      }
      // No scope names the cluster: the token is for Microsoft Graph, which CDF does not accept.
      return [...resources][0];
    },
    resourceScopes: (resource) => `${resource}/.default ${resource}/user_impersonation ${resource}/IDENTITY`,
    middleware: (origin, isClient) => entraMiddleware(tenantId, origin, isClient),
    // A "Mobile and desktop applications" registration: Entra ignores the port of a localhost redirect.
    cliClient: {
      applicationType: 'native',
      redirectUris: ['http://127.0.0.1/callback', 'http://localhost/callback', 'http://localhost'],
    },
    organization: null,
    // The Cognite Toolkit's multi-tenant public app with device code enabled (TOOLKIT_CLIENT_ENTRA_ID in the
    // Toolkit's constants.py): every Entra tenant knows it.
    otherPublicClients: ['fb9d503b-ac25-44c7-a75d-8fbcd3a206bd'],
  };
}

/** Scopes Entra answers for every resource: OpenID Connect's own. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

/**
 * Entra's scope rules for what a newcomer gets wrong: a scope URL that names no scope of a resource is
 * AADSTS70011, and client credentials take only `{resource}/.default` (AADSTS1002012). A scope without a
 * URL is Microsoft Graph's (`User.Read`), which Entra grants.
 */
function checkEntraScopes(
  params: Record<string, unknown>,
  servers: readonly string[],
  resourceOfScope: (scope: string, servers: readonly string[]) => string | undefined,
  errors: ProviderErrors,
): void {
  const scopes = words(params.scope).filter((scope) => !OIDC_SCOPES.has(scope));
  for (const scope of scopes) {
    if (scope.includes('://') && !resourceOfScope(scope, servers)) {
      throw new errors.InvalidScope(
        `AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope '${scope}' does not exist.`,
        scope,
      );
    }
  }
  const notDefault = scopes.find((scope) => !scope.endsWith('/.default'));
  if (params.grant_type === 'client_credentials' && notDefault !== undefined) {
    throw new errors.InvalidScope(
      `AADSTS1002012: The provided value for scope ${notDefault} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      notDefault,
    );
  }
}

/** The paths of a tenant's endpoints; another tenant than the emulator's is unknown (AADSTS90002). */
const TENANT_PATH = /^\/([^/]+)\/(v2\.0\/\.well-known\/|oauth2\/|discovery\/)/;

/** Entra's shapes around oidc-provider. */
function entraMiddleware(tenantId: string, origin: string, isClient: (clientId: string) => Promise<boolean>) {
  const t = `/${tenantId}`;
  return async (ctx: KoaContext, next: () => Promise<void>) => {
    const alias = /^\/(common|organizations)(\/.*)$/.exec(ctx.path);
    if (alias) ctx.path = `${t}${alias[2]}`;
    const tenant = TENANT_PATH.exec(ctx.path)?.[1];
    if (tenant !== undefined && tenant !== tenantId) {
      ctx.status = 400;
      ctx.body = entraErrorBody(
        'invalid_tenant',
        `AADSTS90002: Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
      return;
    }
    if (ctx.path === `${t}/oauth2/v2.0/authorize` && !(await isClient(String(ctx.query.client_id ?? '')))) {
      // Entra cannot trust the redirect URI of an unknown app: it shows the error on its own page.
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Sign in to your account</title><p>${escapeHtml(unknownApp(String(ctx.query.client_id ?? ''), tenantId))}</p>`;
      return;
    }
    const isDiscovery = ctx.path === `${t}/v2.0/.well-known/openid-configuration`;
    if (isDiscovery) ctx.path = '/.well-known/openid-configuration';
    else if (ctx.path === '/.well-known/openid-configuration') {
      ctx.status = 404;
      ctx.body = { error: 'invalid_tenant', error_description: 'AADSTS90002: Tenant not found.' };
      return;
    }
    const isToken = ctx.path === `${t}/oauth2/v2.0/token`;
    const isDevice = ctx.path === `${t}/oauth2/v2.0/devicecode`;
    await next();
    if (isDiscovery) ctx.body = entraMetadata(ctx.body as Record<string, unknown>, tenantId, origin, alias?.[1]);
    stripIssParameter(ctx);
    const body = ctx.body as Record<string, unknown> | undefined;
    if ((isToken || isDevice) && body && typeof body.error === 'string') {
      const clientId = clientIdOf(ctx);
      const unknown = body.error === 'invalid_client' && clientId !== undefined && !(await isClient(clientId));
      if (unknown) {
        // Entra answers an app it does not have with 400 and no challenge, whatever the secret.
        ctx.status = 400;
        ctx.remove('www-authenticate');
      }
      ctx.body = unknown
        ? entraErrorBody('unauthorized_client', unknownApp(clientId, tenantId))
        : aadstsError(ctx, body);
    }
    if (isDevice && body && typeof body.device_code === 'string') {
      const { verification_uri_complete: _complete, ...rest } = body;
      ctx.body = {
        ...rest,
        message: `To sign in, use a web browser to open the page ${String(body.verification_uri)} and enter the code ${String(body.user_code)} to authenticate.`,
      };
    }
  };
}

/** Entra's metadata: no PKCE method list, no RFC 9207 flag, no revocation; the template for the aliases. */
function entraMetadata(metadata: Record<string, unknown>, tenantId: string, origin: string, alias?: string) {
  const {
    code_challenge_methods_supported: _pkce,
    authorization_response_iss_parameter_supported: _iss,
    revocation_endpoint: _revocation,
    introspection_endpoint: _introspection,
    ...rest
  } = metadata;
  if (!alias) return rest;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    out[key] = typeof value === 'string' ? value.replace(`${origin}/${tenantId}/`, `${origin}/${alias}/`) : value;
  }
  return { ...out, issuer: `${origin}/{tenantid}/v2.0` };
}

/** Entra sends no `iss` with the authorization response (no RFC 9207). */
function stripIssParameter(ctx: KoaContext): void {
  if (ctx.status !== 302 && ctx.status !== 303) return;
  const location = ctx.response.get('location');
  // Relative locations are the IdP's own pages (interactions), not the authorization response.
  if (!/^https?:\/\//.test(location)) return;
  const url = new URL(location);
  if (!url.searchParams.has('state') || !url.searchParams.has('iss')) return;
  url.searchParams.delete('iss');
  ctx.response.set('location', url.toString());
}

/** AADSTS700016: the words Entra uses for a client id that no app of the tenant has. */
const unknownApp = (clientId: string, tenantId: string) =>
  `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`;

/** The client id of a token or device request: in the form, or the user part of HTTP Basic. */
function clientIdOf(ctx: KoaContext): string | undefined {
  const form = (ctx.oidc?.body ?? (ctx.request.body as Record<string, unknown> | undefined))?.client_id;
  if (typeof form === 'string') return form;
  const basic = /^Basic\s+(\S+)$/i.exec(ctx.get('authorization'));
  if (!basic?.[1]) return undefined;
  const user = Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0] ?? '';
  try {
    return decodeURIComponent(user);
  } catch {
    return undefined;
  }
}

/** An error body as Entra writes it; a declined device code is `authorization_declined`. */
function aadstsError(ctx: KoaContext, body: Record<string, unknown>) {
  const grant = (ctx.request.body as Record<string, unknown> | undefined)?.grant_type;
  const declined = body.error === 'access_denied' && grant === 'urn:ietf:params:oauth:grant-type:device_code';
  const error = declined ? 'authorization_declined' : String(body.error);
  const described = String(body.error_description ?? error);
  return entraErrorBody(
    error,
    described.startsWith('AADSTS') ? described : `AADSTS${AADSTS[error] ?? 90000}: ${described}`,
  );
}

/** Entra's error body: the AADSTS code of the description, a timestamp, trace and correlation ids. */
function entraErrorBody(error: string, description: string) {
  const code = Number(/^AADSTS(\d+)/.exec(description)?.[1] ?? 90000);
  return {
    error,
    error_description: description,
    error_codes: [code],
    timestamp: new Date()
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z'),
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
}

/**
 * Auth0: the issuer with a trailing slash, Auth0's paths, and a JWT for an API only when `audience`
 * names it (otherwise an opaque token, good only for /userinfo).
 */
function auth0Profile(): IdpProfile {
  return {
    name: 'auth0',
    tenantId: null,
    issuerOf: (origin) => `${origin}/`,
    routes: {
      authorization: '/authorize',
      token: '/oauth/token',
      device_authorization: '/oauth/device/code',
      code_verification: '/activate',
      jwks: '/.well-known/jwks.json',
      revocation: '/oauth/revoke',
      end_session: '/oidc/logout',
      userinfo: '/userinfo',
    },
    ...STANDARD,
    extraParams: ['audience'],
    resourceFor(params, servers, errors) {
      if (params.audience === undefined) return undefined;
      const audience = String(params.audience);
      if (!servers.includes(audience)) throw new errors.AccessDenied(`Service not found: ${audience}`);
      return audience;
    },
    // The permissions of the API CDF trusts, as the Toolkit asks for them (IDENTITY user_impersonation).
    resourceScopes: () => 'api:read IDENTITY user_impersonation',
    middleware: () => async (_ctx, next) => next(),
    // Auth0 compares the callback URL exactly; the one Cognite's Python samples register.
    cliClient: { applicationType: 'web', redirectUris: ['http://localhost:53000'] },
    organization: null,
    otherPublicClients: [],
  };
}

/** The loopback redirects the Cognite Toolkit registers at Cognite IdP: port 3000, then 3100–3110. */
const COGNITE_TOOLKIT_REDIRECTS = ['http://localhost:3000/'].concat(
  Array.from({ length: 11 }, (_, i) => `http://localhost:${3100 + i}/`),
);

/**
 * Cognite IdP (`auth.cognite.com`): one issuer for every organization, `organization_hint` required on the
 * authorization request and checked, only the registered redirect URIs (exact port), client credentials
 * that refuse a scope, revocation, no device flow. The organization's projects are served beside it
 * (idp.ts).
 */
function cogidpProfile(organization: string): IdpProfile {
  return {
    name: 'cogidp',
    tenantId: null,
    issuerOf: (origin) => origin,
    routes: {
      authorization: '/oauth2/auth',
      token: '/oauth2/token',
      revocation: '/oauth2/revoke',
      jwks: '/.well-known/jwks.json',
      userinfo: '/userinfo',
    },
    ...STANDARD,
    extraParams: ['organization_hint'],
    resourceFor(params, servers, errors) {
      if (params.grant_type === 'client_credentials' && params.scope !== undefined) {
        throw new errors.InvalidScope('Client credentials at Cognite IdP take no scope.', String(params.scope));
      }
      return servers[0];
    },
    resourceScopes: () => 'api:read',
    middleware: () => cogidpMiddleware(organization),
    cliClient: { applicationType: 'web', redirectUris: COGNITE_TOOLKIT_REDIRECTS },
    organization,
    otherPublicClients: [],
  };
}

/** Cognite IdP's rules around oidc-provider: an organization on every sign-in, no device flow. */
function cogidpMiddleware(organization: string) {
  return async (ctx: KoaContext, next: () => Promise<void>) => {
    if (ctx.path === '/oauth2/auth') {
      const hint = ctx.query.organization_hint;
      if (hint !== organization) {
        ctx.status = 400;
        ctx.body = {
          error: 'invalid_request',
          error_description:
            hint === undefined
              ? 'organization_hint is required: the organization to sign in to.'
              : 'Unknown organization in organization_hint.',
        };
        return;
      }
    }
    if (ctx.path.startsWith('/device')) {
      ctx.status = 404;
      ctx.body = { error: 'not_found' };
      return;
    }
    await next();
    if (ctx.path === '/.well-known/openid-configuration' && ctx.body && typeof ctx.body === 'object') {
      const { device_authorization_endpoint: _device, ...rest } = ctx.body as Record<string, unknown>;
      ctx.body = rest;
    }
  };
}

/** The profile by name; `redirectUris` replaces the CLI client's registered ones. */
export function idpProfile(
  name: IdpProfileName,
  tenantId: string,
  options: { readonly organization?: string; readonly redirectUris?: readonly string[] } = {},
): IdpProfile {
  const profile =
    name === 'entra'
      ? entraProfile(tenantId)
      : name === 'auth0'
        ? auth0Profile()
        : name === 'cogidp'
          ? cogidpProfile(options.organization ?? 'demo-org')
          : genericProfile();
  return options.redirectUris
    ? { ...profile, cliClient: { ...profile.cliClient, redirectUris: options.redirectUris } }
    : profile;
}
