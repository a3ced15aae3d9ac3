/**
 * The authorization-code flow: its machine with its effects, for every driver (only how the browser is
 * sent differs), the fresh attempt, and how a person's tokens renew (the refresh-token grant, the
 * refreshed ID token checked against the first).
 */
import * as oauth from 'oauth4webapi';
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
import { effect, type Flow } from './flow.js';
import { type Inspector, inspectorOf } from './inspect.js';

/** What one authorization-code run's actors use. */
export interface AuthorizationCodeEffects {
  readonly oidc: OidcClient;
  /** Where token/inspect is asked: one cluster, or a function (a cluster picked after sign-in). */
  readonly cdf: CdfClient | Inspector;
  /** Sends the person to the URL. */
  readonly navigate: (url: string) => Promise<void>;
  readonly prompt?: string;
  /** Extra authorization parameters (Auth0's `audience`, `login_hint`, ...). */
  readonly authorizationParams?: Readonly<Record<string, string>>;
}

const on = effect<AuthorizationCodeEffects>();

const machine = authorizationCodeMachine.provide({
  actors: {
    discover: on<IdpMetadata, { readonly issuer: string }>((fx, _input, signal) => fx.oidc.discover(signal)),
    navigateToIdp: on<void, NavigateToIdpInput>(async (fx, input) => {
      const url = await fx.oidc.authorizationUrl({
        redirectUri: input.redirectUri,
        scope: input.scope,
        state: input.attempt.state,
        nonce: input.attempt.nonce,
        codeVerifier: input.attempt.codeVerifier,
        ...(fx.prompt ? { prompt: fx.prompt } : {}),
        ...(fx.authorizationParams ? { params: fx.authorizationParams } : {}),
      });
      await fx.navigate(url);
    }),
    exchangeCode: on<TokenSet, ExchangeCodeInput>((fx, input, signal) =>
      fx.oidc.exchangeCode(
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
    validateIdToken: on<IdClaims, { readonly idToken: string; readonly nonce: string | null }>((fx, input) =>
      fx.oidc.validateIdToken(input.idToken, { nonce: input.nonce }),
    ),
    inspectToken: on<Inspection, { readonly accessToken: string }>((fx, input, signal) =>
      inspectorOf(fx.cdf)(input.accessToken, signal),
    ),
  },
  delays: { callbackTimeout: untilDeadline('callbackDeadline') },
});

/** The authorization-code machine with real effects; `navigate` sends the person to the URL. */
export function authorizationCodeFlow(
  effects: AuthorizationCodeEffects,
): Flow<typeof machine, AuthorizationCodeEffects> {
  return { machine, effects };
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
