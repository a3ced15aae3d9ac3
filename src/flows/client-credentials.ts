/**
 * The client-credentials flow (RFC 6749 §4.4) for services: its machine with its effects, for every
 * driver, and how a service's token renews (a new client-credentials request: there is no refresh token).
 * The client secret stays in the OIDC client; the machine never sees it.
 */
import { clientCredentialsMachine } from '../../machines/client-credentials.js';
import type { Inspection, TokenSet } from '../../machines/shared/tokens.js';
import type { CdfClient } from '../protocol/cdf.js';
import type { OidcClient } from '../protocol/oidc.js';
import { effect, type Flow } from './flow.js';
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

/** What one client-credentials run's actors use. */
export type ClientCredentialsEffects = {
  readonly oidc: OidcClient;
  readonly cdf: CdfClient | Inspector;
} & ServiceRequest;

const on = effect<ClientCredentialsEffects>();

const machine = clientCredentialsMachine.provide({
  actors: {
    requestToken: on<TokenSet, { readonly clientId: string; readonly scope: string }>((fx, input, signal) =>
      requestServiceToken(fx.oidc, input.scope, fx, signal),
    ),
    inspectToken: on<Inspection, { readonly accessToken: string }>((fx, input, signal) =>
      inspectorOf(fx.cdf)(input.accessToken, signal),
    ),
  },
});

/** The client-credentials machine with real effects. */
export function clientCredentialsFlow(
  effects: ClientCredentialsEffects,
): Flow<typeof machine, ClientCredentialsEffects> {
  return { machine, effects };
}

/** How a service's token renews: a new client-credentials request for the same scope. */
export function renewServiceToken(oidc: OidcClient, scope: string, request: ServiceRequest) {
  return (_current: TokenSet, signal: AbortSignal): Promise<TokenSet> =>
    requestServiceToken(oidc, scope, request, signal);
}
