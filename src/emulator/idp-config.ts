/** The configuration of the emulator's `oidc-provider`: clients, keys, grants, resource servers, pages. */
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import type { IdpOptions } from './idp-options.js';
import { escapeHtml, page } from './idp-pages.js';

/** The `oidc-provider` configuration for these options (typed loosely: the package ships no types). */
export function providerConfiguration(options: IdpOptions, privateJwk: JWK): Record<string, unknown> {
  const usersById = new Map(options.users.map((user) => [user.id, user]));
  return {
    clients: options.clients.map((client) => ({ ...client })),
    jwks: { keys: [privateJwk] },
    cookies: { keys: [randomBytes(24).toString('base64url')] },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'api:read'],
    // Refresh tokens for every client allowed the grant, as Entra does with offline_access: no
    // prompt=consent dance for the emulator's own first-party clients.
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(grant: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    findAccount: async (_ctx: unknown, id: string) => {
      const user = usersById.get(id);
      if (!user) return undefined;
      return {
        accountId: id,
        claims: async () => ({ sub: id, name: user.name, email: user.email, email_verified: true }),
      };
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: {
        enabled: true,
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
      },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: resourceIndicators(options),
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

/** RFC 8707 resource indicators: JWT access tokens for the configured resource servers (the CDF cluster). */
function resourceIndicators(options: IdpOptions) {
  const resourceServers = new Set(options.resourceServers);
  return {
    enabled: true,
    defaultResource: (_ctx: unknown, _client: unknown, oneOf?: string[]) =>
      oneOf?.[0] ?? options.resourceServers[0] ?? undefined,
    useGrantedResource: () => true,
    getResourceServerInfo: (_ctx: unknown, resourceIndicator: string) => {
      if (!resourceServers.has(resourceIndicator)) throw new Error('unknown resource server');
      return {
        scope: 'api:read',
        audience: resourceIndicator,
        accessTokenTTL: options.accessTokenTtlSeconds,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      };
    },
  };
}
