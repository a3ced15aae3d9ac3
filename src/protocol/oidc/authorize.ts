/** The authorization request (RFC 6749 §4.1.1): `response_type=code` with PKCE S256, always (RFC 7636, docs/security.md §3.1). */
import * as oauth from 'oauth4webapi';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { InvalidArgumentError } from '../../errors/invalid-argument.js';
import { type IdpContext, resourceParams } from './context.js';
import { metadataOf } from './discovery.js';

/** What the authorization URL carries. */
export interface AuthorizationRequest {
  readonly redirectUri: string;
  readonly scope: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly prompt?: string;
  /** Extra parameters the IdP needs (Auth0's `audience`, `login_hint`, `domain_hint`); never the protocol's own. */
  readonly params?: Readonly<Record<string, string>>;
}

/** The parameters this client sets itself: extra parameters must not replace them. */
export const PROTOCOL_PARAMS = new Set([
  'client_id',
  'response_type',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'grant_type',
  'code',
  'code_verifier',
  'refresh_token',
  'device_code',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
]);

/** The extra parameters, refused when one would replace a parameter of the protocol. */
export function extraParams(params: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params ?? {})) {
    if (PROTOCOL_PARAMS.has(name)) {
      throw new InvalidArgumentError(
        `The extra parameter "${name}" is one this client sets itself; it cannot be replaced.`,
      );
    }
    out[name] = value;
  }
  return out;
}

/** The URL to send the person to; the verifier itself never appears in it, only its S256 challenge. */
export async function authorizationUrl(idp: IdpContext, input: AuthorizationRequest): Promise<string> {
  const metadata = await metadataOf(idp);
  if (!metadata.authorization_endpoint) {
    throw new AuthFlowError({ code: 'invalidResponse', message: 'The IdP has no authorization endpoint.' });
  }
  const url = new URL(metadata.authorization_endpoint);
  url.search = new URLSearchParams({
    ...extraParams(input.params),
    ...resourceParams(idp),
    client_id: idp.options.clientId,
    response_type: 'code',
    redirect_uri: input.redirectUri,
    scope: input.scope,
    state: input.state,
    nonce: input.nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(input.codeVerifier),
    code_challenge_method: 'S256',
    ...(input.prompt ? { prompt: input.prompt } : {}),
  }).toString();
  return url.toString();
}

/**
 * The IdP's RP-initiated logout URL (OpenID Connect RP-Initiated Logout 1.0 §2): `id_token_hint`,
 * `client_id` and `post_logout_redirect_uri` on the advertised `end_session_endpoint`, or `null` when the
 * IdP advertises none. The browser goes there with a top-level navigation.
 */
export async function endSessionUrl(
  idp: IdpContext,
  input: { readonly idTokenHint?: string; readonly postLogoutRedirectUri: string },
): Promise<string | null> {
  const metadata = await metadataOf(idp);
  if (!metadata.end_session_endpoint) return null;
  const url = new URL(metadata.end_session_endpoint);
  url.searchParams.set('client_id', idp.options.clientId);
  url.searchParams.set('post_logout_redirect_uri', input.postLogoutRedirectUri);
  if (input.idTokenHint) url.searchParams.set('id_token_hint', input.idTokenHint);
  return url.toString();
}
