/**
 * Discovery (RFC 8414 / OIDC Discovery 1.0) and the issuer rules: the metadata is fetched once per IdP
 * context, its `issuer` must equal the configured one exactly, with Entra ID's multi-tenant `{tenantid}`
 * template the one documented exception. `callIdp` runs every later call on that metadata.
 */
import * as oauth from 'oauth4webapi';
// Named, not read off the namespace object: a bundler then still drops the rest of oauth4webapi.
// @ts-expect-error: exported by oauth4webapi's JavaScript, not by its type declarations.
import { _expectedIssuer as expectedIssuerHook, _nodiscoverycheck as noDiscoveryCheckHook } from 'oauth4webapi';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { clientAuthOf, type IdpContext, type IdpRequest, requestOf } from './context.js';
import { discoveryRefusalOf, toAuthFlowError } from './errors.js';

/**
 * oauth4webapi's hooks for an issuer that is not one fixed string. They are exported by the package but
 * not typed; openid-client uses the same two for Entra ID's multi-tenant authorities.
 */
const _expectedIssuer = expectedIssuerHook as symbol;
const _nodiscoverycheck = noDiscoveryCheckHook as symbol;

/** Entra ID's multi-tenant authorities: their metadata names the issuer as a template. */
const MULTI_TENANT = /^\/(common|organizations|consumers)\//;
const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The issuer template of a multi-tenant authority, e.g. `https://login.microsoftonline.com/{tenantid}/v2.0`
 * for `…/common/v2.0`, or `null` for every other issuer. Microsoft documents this one exception to exact
 * issuer matching: the ID token's `iss` must equal the template with `{tenantid}` replaced by its `tid`.
 */
function issuerTemplateOf(configured: URL): string | null {
  const match = MULTI_TENANT.exec(configured.pathname);
  if (!match) return null;
  return configured.href.replace(`/${match[1]}/`, '/{tenantid}/');
}

/** The issuer an ID token with these claims must name: the configured one, or the template filled with its `tid`. */
export function expectedIssuerOf(server: oauth.AuthorizationServer, claims: { readonly tid?: unknown }): string {
  if (!server.issuer.includes('{tenantid}')) return server.issuer;
  // A tid that is not a tenant id fills nothing: no issuer can equal the result.
  return typeof claims.tid === 'string' && TENANT_ID.test(claims.tid)
    ? server.issuer.replace('{tenantid}', claims.tid)
    : '(no tenant id in the token)';
}

/**
 * The metadata (RFC 8414 / OIDC Discovery), fetched once; `issuerMismatch` unless `issuer` matches
 * exactly — or, for an Entra ID multi-tenant authority, is exactly its `{tenantid}` template.
 */
export async function metadataOf(idp: IdpContext, signal?: AbortSignal): Promise<oauth.AuthorizationServer> {
  if (idp.server) return idp.server;
  if (idp.options.tokenEndpoint) {
    // A token endpoint named without an issuer (the Toolkit's IDP_TOKEN_URL): nothing to discover.
    idp.server = { issuer: idp.issuer.href, token_endpoint: idp.options.tokenEndpoint };
    return idp.server;
  }
  const request = requestOf(idp, signal);
  const template = issuerTemplateOf(idp.issuer);
  try {
    const response = await oauth.discoveryRequest(idp.issuer, { algorithm: 'oidc', ...request });
    const metadata = await oauth.processDiscoveryResponse(
      template ? (_nodiscoverycheck as never) : idp.issuer,
      response,
    );
    if (template && metadata.issuer !== template && metadata.issuer !== idp.issuer.href) {
      throw new AuthFlowError({
        code: 'issuerMismatch',
        message: `The IdP's metadata names the issuer ${metadata.issuer}, neither ${idp.issuer.href} nor ${template}.`,
      });
    }
    idp.server = metadata.issuer.includes('{tenantid}')
      ? {
          ...metadata,
          [_expectedIssuer]: ({ claims }: { claims: { tid?: unknown } }) => expectedIssuerOf(metadata, claims),
        }
      : metadata;
  } catch (error) {
    const url = wellKnownOf(idp.issuer);
    throw (
      (error instanceof AuthFlowError ? undefined : discoveryRefusalOf(request.record, url)) ??
      toAuthFlowError(error, `IdP discovery at ${url}`, request, 'issuerMismatch')
    );
  }
  return idp.server;
}

/** Where OpenID Connect discovery asks: the issuer's path with the well-known suffix appended. */
const wellKnownOf = (issuer: URL) => `${issuer.href.replace(/\/$/, '')}/.well-known/openid-configuration`;

/** Runs one call with its request options, and maps whatever it throws (see {@link toAuthFlowError}). */
export async function callIdp<T>(
  idp: IdpContext,
  what: string,
  signal: AbortSignal | undefined,
  held: readonly (string | undefined)[],
  run: (request: IdpRequest & { readonly auth: oauth.ClientAuth }, metadata: oauth.AuthorizationServer) => Promise<T>,
): Promise<T> {
  const metadata = await metadataOf(idp, signal);
  const request = requestOf(idp, signal, held);
  const { auth, method, other } = clientAuthOf(idp, metadata);
  try {
    return await run({ ...request, auth }, metadata);
  } catch (error) {
    throw toAuthFlowError(error, what, { ...request, clientAuth: { method, other } }, 'idpError');
  }
}
