/**
 * The authorization-code flow: its machine with its effects, for every driver (only how the browser is
 * sent differs), the fresh attempt, and how a person's tokens renew (the refresh-token grant, the
 * refreshed ID token checked against the first).
 */
import * as oauth from 'oauth4webapi';
import { fromPromise } from 'xstate';
import {
  type AuthorizationAttempt,
  authorizationCodeMachine,
  type ExchangeCodeInput,
  type NavigateToIdpInput,
} from '../../machines/authorization-code.js';
import type { IdClaims, IdpMetadata, Inspection, TokenSet } from '../../machines/shared/tokens.js';
import { AuthFlowError } from '../errors/auth-flow-error.js';
import type { CdfClient } from '../protocol/cdf.js';
import type { OidcClient } from '../protocol/oidc.js';
import { untilDeadline } from './clock.js';
import { type Inspector, inspectorOf } from './inspect.js';

/** The authorization-code machine with real effects; `navigate` sends the person to the URL. */
export function authorizationCodeFlow(options: {
  readonly oidc: OidcClient;
  /** Where token/inspect is asked: one cluster, or a function (a cluster picked after sign-in). */
  readonly cdf: CdfClient | Inspector;
  readonly navigate: (url: string) => Promise<void>;
  readonly prompt?: string;
  /** Extra authorization parameters (Auth0's `audience`, `login_hint`, ...). */
  readonly authorizationParams?: Readonly<Record<string, string>>;
}) {
  const { oidc } = options;
  const inspect = inspectorOf(options.cdf);
  return authorizationCodeMachine.provide({
    actors: {
      discover: fromPromise<IdpMetadata, { readonly issuer: string }>(({ signal }) => oidc.discover(signal)),
      navigateToIdp: fromPromise<void, NavigateToIdpInput>(async ({ input }) => {
        const url = await oidc.authorizationUrl({
          redirectUri: input.redirectUri,
          scope: input.scope,
          state: input.attempt.state,
          nonce: input.attempt.nonce,
          codeVerifier: input.attempt.codeVerifier,
          ...(options.prompt ? { prompt: options.prompt } : {}),
          ...(options.authorizationParams ? { params: options.authorizationParams } : {}),
        });
        await options.navigate(url);
      }),
      exchangeCode: fromPromise<TokenSet, ExchangeCodeInput>(({ input, signal }) =>
        oidc.exchangeCode(
          {
            callbackUrl: input.callbackUrl,
            redirectUri: input.redirectUri,
            state: input.attempt.state,
            codeVerifier: input.attempt.codeVerifier,
            nonce: input.attempt.nonce,
          },
          signal,
        ),
      ),
      validateIdToken: fromPromise<IdClaims, { readonly idToken: string; readonly nonce: string | null }>(({ input }) =>
        oidc.validateIdToken(input.idToken, { nonce: input.nonce }),
      ),
      inspectToken: fromPromise<Inspection, { readonly accessToken: string }>(({ input, signal }) =>
        inspect(input.accessToken, signal),
      ),
    },
    delays: { callbackTimeout: untilDeadline('callbackDeadline') },
  });
}

/** A fresh attempt: state, nonce and PKCE verifier from the CSPRNG (RFC 9700 2.1.1). */
export function freshAttempt(): AuthorizationAttempt {
  return {
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    codeVerifier: oauth.generateRandomCodeVerifier(),
  };
}

/**
 * How a person's tokens renew: the refresh-token grant; a refreshed ID token must keep `iss`, `sub` and
 * `aud` of the first (OIDC Core 12.2). Without a refresh token there is nothing to renew with:
 * `reauthRequired`.
 */
export function renewPersonTokens(oidc: OidcClient, original: () => IdClaims | null) {
  return async (tokens: TokenSet, signal: AbortSignal): Promise<TokenSet> => {
    if (!tokens.refreshToken) {
      throw new AuthFlowError({ code: 'reauthRequired', message: 'There is no refresh token; sign in again.' });
    }
    const next = await oidc.refresh(tokens.refreshToken, signal);
    if (next.idToken) await oidc.validateIdToken(next.idToken, { nonce: null, original: original() });
    return next;
  };
}
