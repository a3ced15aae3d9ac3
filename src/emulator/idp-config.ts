/** The configuration of the emulator's `oidc-provider`: clients, keys, grants, resource servers, pages. */

import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import type { IdpOptions } from './idp-options.js';
import {
  deviceConfirmPage,
  deviceInputPage,
  deviceSuccessPage,
  errorPage,
  expiredPage,
  logoutPage,
  logoutSuccessPage,
} from './idp-pages.js';
import type { ProviderErrors } from './idp-profiles.js';
import { unboundedAdapter } from './idp-storage.js';

/** The `oidc-provider` configuration for these options (typed loosely: the package ships no types). */
export function providerConfiguration(
  options: IdpOptions,
  privateJwk: JWK,
  errors: ProviderErrors,
): Record<string, unknown> {
  const usersById = new Map(options.users.map((user) => [user.id, user]));
  const { profile } = options;
  return {
    routes: profile.routes,
    extraParams: [...profile.extraParams],
    clients: options.clients.map((client) => ({ ...client })),
    adapter: unboundedAdapter(),
    jwks: { keys: [privateJwk] },
    cookies: { keys: [randomBytes(24).toString('base64url')] },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'api:read'],
    // Refresh tokens for every client allowed the grant, as Entra does with offline_access: no
    // prompt=consent dance for the emulator's own first-party clients.
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(grant: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    // Every refresh rotates the refresh token, as Auth0 and Okta do with rotation on and Entra ID does:
    // a client that spends one twice is caught (oidc-provider then revokes the grant).
    rotateRefreshToken: () => true,
    claims: profile.claims,
    findAccount: async (_ctx: unknown, id: string) => {
      const user = usersById.get(id);
      if (!user) return undefined;
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          name: user.name,
          email: user.email,
          email_verified: true,
          ...profile.accountClaims(id),
        }),
      };
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: deviceFlowPages(),
      clientCredentials: { enabled: true },
      revocation: { enabled: profile.revocation },
      introspection: { enabled: profile.revocation },
      rpInitiatedLogout: rpInitiatedLogout(options.headless),
      resourceIndicators: resourceIndicators(options, errors),
    },
    ttl: {
      AccessToken: options.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      ClientCredentials: options.accessTokenTtlSeconds,
      DeviceCode: options.deviceCodeTtlSeconds,
      Grant: 3600,
      IdToken: options.accessTokenTtlSeconds,
      Interaction: 600,
      RefreshToken: 86_400,
      Session: 3600,
    },
    renderError,
  };
}

/** The part of a Koa context the pages read: the app that asks, where oidc-provider knows it. */
interface PageContext {
  type?: string;
  body?: unknown;
  readonly oidc?: {
    readonly client?: { readonly clientId: string };
    readonly params?: { readonly client_id?: unknown };
    readonly entities?: {
      readonly DeviceCode?: { readonly clientId?: string };
      readonly Interaction?: { readonly params?: { readonly client_id?: unknown } };
    };
  };
}

/** The client id of the app that asks, or `null`. */
function clientOf(ctx: PageContext): string | null {
  const { oidc } = ctx;
  const named = [
    oidc?.client?.clientId,
    oidc?.entities?.DeviceCode?.clientId,
    oidc?.entities?.Interaction?.params?.client_id,
    oidc?.params?.client_id,
  ].find((id) => typeof id === 'string' && id !== '');
  return typeof named === 'string' ? named : null;
}

/** oidc-provider's error page: what went wrong, for which app; a finished or lost sign-in says so. */
async function renderError(ctx: PageContext, out: Record<string, string>, error?: { name?: string }): Promise<void> {
  ctx.type = 'html';
  ctx.body =
    error?.name === 'SessionNotFound'
      ? expiredPage()
      : errorPage({ client: clientOf(ctx), error: out.error ?? 'error', description: out.error_description });
}

/** The part of a Koa context the resource rules read. */
interface ResourceContext {
  readonly oidc?: { readonly params?: Record<string, unknown>; readonly body?: Record<string, unknown> };
  readonly method: string;
  readonly query: Record<string, unknown>;
}

/**
 * The parameters as the client sent them: oidc-provider fills in a default `resource` beside them, and
 * its token endpoint keeps only the grant's own parameters (Auth0's `audience` would be lost).
 */
const sentParams = (ctx: ResourceContext): Record<string, unknown> =>
  (ctx.method === 'POST' ? ctx.oidc?.body : ctx.query) ?? {};

/**
 * RFC 8707 resource indicators, as the profile decides: which resource server (the CDF cluster) a request's
 * access token is for, as a JWT; no resource means an opaque token that CDF cannot read.
 */
function resourceIndicators(options: IdpOptions, errors: ProviderErrors) {
  const resourceServers = new Set(options.resourceServers);
  return {
    enabled: true,
    defaultResource: (ctx: ResourceContext) =>
      options.profile.resourceFor({ ...sentParams(ctx), ...ctx.oidc?.params }, options.resourceServers, errors),
    useGrantedResource: () => true,
    getResourceServerInfo: (ctx: ResourceContext, resourceIndicator: string) => {
      const sent = sentParams(ctx);
      if (sent.resource !== undefined) options.profile.resourceFor(sent, options.resourceServers, errors);
      if (!resourceServers.has(resourceIndicator)) throw new errors.InvalidTarget('unknown resource server');
      return {
        scope: options.profile.resourceScopes(resourceIndicator),
        audience: resourceIndicator,
        accessTokenTTL: options.accessTokenTtlSeconds,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      };
    },
  };
}

/**
 * RP-initiated logout, on the emulator's pages: a person confirms (interactive); without one (headless) the
 * page confirms itself, and the IdP session ends too.
 */
function rpInitiatedLogout(headless: boolean) {
  return {
    enabled: true,
    logoutSource: async (ctx: PageContext, form: string) => {
      ctx.body = logoutPage(form, clientOf(ctx), headless);
    },
    postLogoutSuccessSource: async (ctx: PageContext) => {
      ctx.body = logoutSuccessPage(clientOf(ctx));
    },
  };
}

/** What the code entry page says after a wrong, spent or cancelled code (oidc-provider's re-render errors). */
function deviceProblem(out: { error?: string; error_description?: string } | undefined, error: unknown) {
  if (!error) return null;
  const name = (error as { name?: string }).name;
  const problems: Record<string, string> = {
    NoCodeError: 'No code was entered.',
    NotFoundError: 'The emulator gave out no such code: check it and type it again.',
    ExpiredError: 'That code has expired: start the sign-in again on the device.',
    AlreadyUsedError: 'That code was already used: start the sign-in again on the device for a new one.',
    AbortedError: 'The sign-in was cancelled: the device was told no. To start over, enter a new code.',
  };
  return problems[name ?? ''] ?? `${out?.error ?? 'error'}: ${out?.error_description ?? 'the code could not be used'}`;
}

/** The device flow (RFC 8628) with the emulator's own pages: where the person types, confirms, is done. */
function deviceFlowPages() {
  return {
    enabled: true,
    userCodeInputSource: async (ctx: PageContext, form: string, out?: Record<string, string>, error?: unknown) => {
      ctx.body = deviceInputPage(form, deviceProblem(out, error), error ? clientOf(ctx) : null);
    },
    userCodeConfirmSource: async (
      ctx: PageContext,
      form: string,
      client: { clientId: string },
      _info: unknown,
      userCode: string,
    ) => {
      ctx.body = deviceConfirmPage(form, client.clientId, userCode);
    },
    successSource: async (ctx: PageContext) => {
      ctx.body = deviceSuccessPage(clientOf(ctx));
    },
  };
}
