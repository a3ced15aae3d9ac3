/** The browser driver for OpenID Connect code + PKCE. */
import * as oauth from 'oauth4webapi';
import { fromPromise } from 'xstate';
import {
  type AuthorizationCallback,
  type AuthorizationCodeOutput,
  authorizationCodeMachine,
  type ExchangeCodeInput,
  type NavigateToIdpInput,
} from '../../machines/authorization-code.js';
import type { IdClaims, IdpMetadata, Inspection, TokenSet } from '../../machines/tokens.js';
import { AuthFlowError } from '../errors/auth-flow-error.js';
import { createCdfClient } from '../protocol/cdf.js';
import { createOidcClient } from '../protocol/oidc.js';
import { type BrowserCommonOptions, type BrowserLogin, createBrowserLoginWith } from './browser-core.js';

/** Options of {@link createCodeBrowserLogin}. */
export interface CodeBrowserLoginOptions extends BrowserCommonOptions {
  readonly issuer: string;
  /** A public client registered with exactly `redirectUri`. */
  readonly clientId: string;
  /** @default 'openid profile offline_access' */
  readonly scope?: string;
}

const OIDC_CALLBACK_PARAMS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'session_state'];

/** Signs a person in with OpenID Connect code + PKCE, by full-page redirect. */
export function createCodeBrowserLogin(options: CodeBrowserLoginOptions): BrowserLogin {
  const cdf = createCdfClient({ baseUrl: options.baseUrl, ...(options.appId ? { appId: options.appId } : {}) });
  const oidc = createOidcClient({ issuer: options.issuer, clientId: options.clientId });
  let original: IdClaims | null = null;
  return createBrowserLoginWith(options, {
    flow: 'code',
    machine: (navigate) =>
      authorizationCodeMachine.provide({
        actors: {
          discover: fromPromise<IdpMetadata, { readonly issuer: string }>(({ signal }) => oidc.discover(signal)),
          // Resolves at once: the page leaves only after the pending flow was persisted.
          navigateToIdp: fromPromise<void, NavigateToIdpInput>(async ({ input }) => {
            const url = await oidc.authorizationUrl({
              redirectUri: input.redirectUri,
              scope: input.scope,
              state: input.attempt.state,
              nonce: input.attempt.nonce,
              codeVerifier: input.attempt.codeVerifier,
            });
            setTimeout(() => navigate(url), 0);
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
          validateIdToken: fromPromise<IdClaims, { readonly idToken: string; readonly nonce: string }>(({ input }) =>
            oidc.validateIdToken(input.idToken, { nonce: input.nonce }),
          ),
          inspectToken: fromPromise<Inspection, { readonly accessToken: string }>(async ({ input, signal }) => {
            const inspection = await cdf.inspectToken(input.accessToken, { signal });
            return { subject: inspection.subject, projects: inspection.projects.map((p) => p.projectUrlName) };
          }),
        },
        delays: { callbackTimeout: ({ context }) => Math.max(0, context.callbackDeadline! - Date.now()) },
      }),
    input: () => ({
      issuer: options.issuer,
      clientId: options.clientId,
      redirectUri: options.redirectUri,
      scope: options.scope ?? 'openid profile offline_access',
      project: options.project,
    }),
    start: () => ({
      type: 'START',
      attempt: {
        state: oauth.generateRandomState(),
        nonce: oauth.generateRandomNonce(),
        codeVerifier: oauth.generateRandomCodeVerifier(),
      },
      now: Date.now(),
    }),
    isCallback: (params) => params.has('code') || params.has('error') || params.has('state'),
    strip: (href) => {
      const url = new URL(href);
      for (const name of OIDC_CALLBACK_PARAMS) url.searchParams.delete(name);
      return url.toString();
    },
    callback: (href): AuthorizationCallback => {
      const params: Record<string, string> = {};
      for (const [name, value] of new URL(href).searchParams) {
        if (Object.hasOwn(params, name)) return { kind: 'invalid', reason: `repeated parameter ${name.slice(0, 32)}` };
        params[name] = value;
      }
      return { kind: 'response', params, url: href };
    },
    tokenOf: (output) => {
      const { signIn } = output as Extract<AuthorizationCodeOutput, { status: 'authenticated' }>;
      return { accessToken: signIn.tokens.accessToken, expiresAt: signIn.tokens.expiresAt };
    },
    tokenSetOf: (output) => {
      const { signIn } = output as Extract<AuthorizationCodeOutput, { status: 'authenticated' }>;
      original = signIn.claims;
      return signIn.tokens;
    },
    async refresh(tokens, signal) {
      if (!tokens.refreshToken) {
        throw new AuthFlowError({ code: 'reauthRequired', message: 'There is no refresh token; sign in again.' });
      }
      const next = await oidc.refresh(tokens.refreshToken, signal);
      // OIDC Core 12.2: a refreshed ID token keeps iss, sub and aud.
      if (next.idToken) await oidc.validateIdToken(next.idToken, { nonce: null, original });
      return next;
    },
  });
}
