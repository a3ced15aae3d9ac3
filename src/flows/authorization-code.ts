/**
 * The authorization-code machine with its effects, for every driver (only how the browser is sent
 * differs), the fresh attempt, and CDF's token inspection as the OIDC
 * machines decide on it.
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

/** The authorization-code machine with real effects; `navigate` sends the person to the URL. */
export function codeFlowMachine(options: {
  readonly oidc: OidcClient;
  /** Where token/inspect is asked: one cluster, or a function (a cluster picked after sign-in). */
  readonly cdf: CdfClient | ((accessToken: string, signal?: AbortSignal) => Promise<Inspection>);
  readonly navigate: (url: string) => Promise<void>;
  readonly prompt?: string;
  /** Extra authorization parameters (Auth0's `audience`, `login_hint`, ...). */
  readonly authorizationParams?: Readonly<Record<string, string>>;
}) {
  const { oidc, cdf } = options;
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
        typeof cdf === 'function' ? cdf(input.accessToken, signal) : inspectAt(cdf, input.accessToken, signal),
      ),
    },
    delays: { callbackTimeout: untilDeadline('callbackDeadline') },
  });
}

/** CDF's `/api/v1/token/inspect`, reduced to what the OIDC machines decide on. */
export async function inspectAt(cdf: CdfClient, accessToken: string, signal?: AbortSignal): Promise<Inspection> {
  try {
    const inspection = await cdf.inspectToken(accessToken, signal ? { signal } : {});
    return { subject: inspection.subject, projects: inspection.projects.map((p) => p.projectUrlName) };
  } catch (error) {
    throw error instanceof AuthFlowError && error.code === 'tokenRejected' ? audienceHint(cdf, error) : error;
  }
}

/**
 * CDF refusing a token the IdP has just issued almost always means the token is for another audience
 * (Entra without the cluster scope issues one for Microsoft Graph; Auth0 without `audience` an opaque
 * one). The failure says so, and which option fixes it.
 */
function audienceHint(cdf: CdfClient, error: AuthFlowError): AuthFlowError {
  const resource = new URL(cdf.baseUrl).origin;
  return new AuthFlowError(
    {
      ...error.toFailure(),
      message:
        `CDF (${resource}) refused the token the IdP just issued (HTTP 401): it is most likely for another audience. ` +
        `Ask for a token for the cluster: scope "${resource}/.default" (CLI: --scope, or --provider entra with --cluster), ` +
        'for Auth0 the audience of the API CDF trusts (--audience), or for an IdP that names the audience by RFC 8707 ' +
        'the resource CDF trusts (--resource).',
    },
    { cause: error },
  );
}

/** A fresh attempt: state, nonce and PKCE verifier from the CSPRNG (RFC 9700 2.1.1). */
export function freshAttempt(): AuthorizationAttempt {
  return {
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    codeVerifier: oauth.generateRandomCodeVerifier(),
  };
}
