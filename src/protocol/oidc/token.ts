/** The token endpoint's grants (RFC 6749 §4.1.3, §4.4, §6): the code exchange, the refresh, client credentials. */
import * as oauth from 'oauth4webapi';
import type { TokenSet } from '../../../machines/shared/tokens.js';
import { extraParams } from './authorize.js';
import { type IdpContext, resourceParams, tokenSetOf } from './context.js';
import { callIdp } from './discovery.js';
import { codeOf } from './errors.js';

/** What the code exchange needs: the callback as it came, and the attempt's secrets. */
export interface CodeExchange {
  readonly callbackUrl: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly codeVerifier: string;
  readonly nonce: string;
}

/** Checks the callback again (state, iss) and redeems its code once; the ID token is required. */
export function exchangeCode(idp: IdpContext, input: CodeExchange, signal?: AbortSignal): Promise<TokenSet> {
  const held = [codeOf(input.callbackUrl), input.codeVerifier];
  return callIdp(idp, 'The code exchange', signal, held, async (request, metadata) => {
    const params = oauth.validateAuthResponse(metadata, idp.client, new URL(input.callbackUrl), input.state);
    const response = await oauth.authorizationCodeGrantRequest(
      metadata,
      idp.client,
      request.auth,
      params,
      input.redirectUri,
      input.codeVerifier,
      { ...request, additionalParameters: resourceParams(idp) },
    );
    return tokenSetOf(
      idp,
      await oauth.processAuthorizationCodeResponse(metadata, idp.client, response, {
        expectedNonce: input.nonce,
        requireIdToken: true,
      }),
    );
  });
}

/** The refresh-token grant; a rotated refresh token comes back in the set. */
export function refresh(idp: IdpContext, refreshToken: string, signal?: AbortSignal): Promise<TokenSet> {
  return callIdp(idp, 'The token refresh', signal, [refreshToken], async (request, metadata) => {
    const response = await oauth.refreshTokenGrantRequest(metadata, idp.client, request.auth, refreshToken, {
      ...request,
      additionalParameters: resourceParams(idp),
    });
    return tokenSetOf(idp, await oauth.processRefreshTokenResponse(metadata, idp.client, response));
  });
}

/** The client-credentials grant, with an RFC 8707 `resource` when the IdP needs one. */
export async function clientCredentials(
  idp: IdpContext,
  input: {
    readonly scope: string;
    readonly resource?: string | undefined;
    readonly params?: Readonly<Record<string, string>>;
  },
  signal?: AbortSignal,
): Promise<TokenSet> {
  // Checked before the request: a mistake of the caller, not an answer of the IdP.
  const extra = extraParams(input.params);
  return callIdp(idp, 'The client-credentials request', signal, [], async (request, metadata) => {
    const params = {
      ...extra,
      ...(input.scope ? { scope: input.scope } : {}),
      ...(input.resource ? { resource: input.resource } : resourceParams(idp)),
    };
    const response = await oauth.clientCredentialsGrantRequest(metadata, idp.client, request.auth, params, request);
    return tokenSetOf(idp, await oauth.processClientCredentialsResponse(metadata, idp.client, response), input.scope);
  });
}

/**
 * Revokes a token at the IdP (RFC 7009), when the IdP advertises a revocation endpoint: `true` when it
 * was revoked, `false` when the IdP offers no revocation (Entra ID does not) or none for this type of
 * token (`unsupported_token_type`, RFC 7009 §2.2.1). Revoking a refresh token
 * ends the session it belongs to; an IdP answers 200 for a token it does not know (§2.2).
 */
export function revoke(
  idp: IdpContext,
  token: string,
  hint: 'refresh_token' | 'access_token',
  signal?: AbortSignal,
): Promise<boolean> {
  return callIdp(idp, 'The token revocation', signal, [token], async (request, metadata) => {
    if (!metadata.revocation_endpoint) return false;
    const response = await oauth.revocationRequest(metadata, idp.client, request.auth, token, {
      ...request,
      additionalParameters: { token_type_hint: hint },
    });
    try {
      await oauth.processRevocationResponse(response);
    } catch (error) {
      // RFC 7009 2.2.1: the IdP does not revoke this type of token (oidc-provider: a JWT access token).
      if (error instanceof oauth.ResponseBodyError && error.error === 'unsupported_token_type') return false;
      throw error;
    }
    return true;
  });
}
