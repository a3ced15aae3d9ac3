/**
 * The client-credentials flow (RFC 6749 §4.4) for services: its machine with its effects, for every
 * driver, and how a service's token renews (a new client-credentials request: there is no refresh token).
 * The client secret stays in the OIDC client; the machine never sees it.
 */
import { fromPromise } from 'xstate';
import { clientCredentialsMachine } from '../../machines/client-credentials.js';
import type { Inspection, TokenSet } from '../../machines/shared/tokens.js';
import type { CdfClient } from '../protocol/cdf.js';
import type { OidcClient } from '../protocol/oidc.js';
import { type Inspector, inspectorOf } from './inspect.js';

/** What a service's token request carries besides its scope. */
export interface ServiceRequest {
  /** Extra parameters (Auth0's `audience`). */
  readonly tokenParams?: Readonly<Record<string, string>>;
  /** An RFC 8707 resource indicator, for IdPs that decide the audience by it. */
  readonly resource?: string;
}

/** One client-credentials request for `scope`. */
function requestServiceToken(oidc: OidcClient, scope: string, request: ServiceRequest, signal?: AbortSignal) {
  return oidc.clientCredentials(
    {
      scope,
      ...(request.tokenParams ? { params: request.tokenParams } : {}),
      ...(request.resource ? { resource: request.resource } : {}),
    },
    signal,
  );
}

/** The client-credentials machine with real effects. */
export function clientCredentialsFlow(
  options: { readonly oidc: OidcClient; readonly cdf: CdfClient | Inspector } & ServiceRequest,
) {
  const inspect = inspectorOf(options.cdf);
  return clientCredentialsMachine.provide({
    actors: {
      requestToken: fromPromise<TokenSet, { readonly clientId: string; readonly scope: string }>(({ input, signal }) =>
        requestServiceToken(options.oidc, input.scope, options, signal),
      ),
      inspectToken: fromPromise<Inspection, { readonly accessToken: string }>(({ input, signal }) =>
        inspect(input.accessToken, signal),
      ),
    },
  });
}

/** How a service's token renews: a new client-credentials request for the same scope. */
export function renewServiceToken(oidc: OidcClient, scope: string, request: ServiceRequest) {
  return (_current: TokenSet, signal: AbortSignal): Promise<TokenSet> =>
    requestServiceToken(oidc, scope, request, signal);
}
