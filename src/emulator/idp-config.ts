/** The configuration of the emulator's `oidc-provider`: clients, keys, grants, resource servers, pages. */

import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import type { IdpOptions } from './idp-options.js';
import { escapeHtml, page } from './idp-pages.js';
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
      rpInitiatedLogout: rpInitiatedLogout(),
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
    renderError: async (ctx: { type: string; body: string }, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = page(
        'Sign-in error',
        `<p>${escapeHtml(out.error ?? 'error')}: ${escapeHtml(out.error_description ?? '')}</p>`,
      );
    },
  };
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

/** RP-initiated logout; the person confirms at once (the emulator has no one to ask): the IdP session ends too. */
function rpInitiatedLogout() {
  return {
    enabled: true,
    logoutSource: async (ctx: { body: string }, form: string) => {
      ctx.body = page(
        'Signing out',
        `${form}<script>const f = document.getElementById('op.logoutForm'); const i = document.createElement('input');
i.type = 'hidden'; i.name = 'logout'; i.value = 'yes'; f.appendChild(i); f.submit();</script>`,
      );
    },
  };
}

/** The device flow (RFC 8628) with the emulator's own pages: where the person types, confirms, is done. */
function deviceFlowPages() {
  return {
    enabled: true,
    // The emulator's own page where the person types the code (oidc-provider's default prints a notice).
    userCodeInputSource: async (ctx: { body: string }, form: string, _out: unknown, error: unknown) => {
      ctx.body = page(
        'Enter the code',
        `${error ? '<p>That code is not valid or has expired; check it and try again.</p>' : ''}<p>Enter the code shown on your device.</p>${form}<button autofocus type="submit" form="op.deviceInputForm">Continue</button>`,
      );
    },
    userCodeConfirmSource: async (
      ctx: { body: string },
      form: string,
      _client: unknown,
      _info: unknown,
      userCode: string,
    ) => {
      ctx.body = page(
        'Confirm the code',
        `<p>Sign in on the device showing <b>${escapeHtml(userCode)}</b>?</p>${form}<button autofocus type="submit" form="op.deviceConfirmForm">Continue</button> <button type="submit" form="op.deviceConfirmForm" value="yes" name="abort">Cancel</button>`,
      );
    },
    successSource: async (ctx: { body: string }) => {
      ctx.body = page('Signed in', '<p>Signed in. You can return to your device.</p>');
    },
  };
}
