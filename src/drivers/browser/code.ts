import type { AuthorizationCodeOutput } from '../../../machines/authorization-code.js';
import type { IdClaims } from '../../../machines/shared/tokens.js';
import { cdfScopes } from '../../config/idp-presets.js';
import { authorizationCodeFlow, freshAttempt, renewPersonTokens } from '../../flows/authorization-code.js';
import { parseAuthorizationCallback } from '../../protocol/callback/authorization.js';
import { createCdfClient } from '../../protocol/cdf.js';
import { createOidcClient } from '../../protocol/oidc.js';
import { createBrowserLoginWith } from './create-login.js';
import { createTabSync } from './tab-sync.js';
import type { BrowserCommonOptions, BrowserLogin } from './types.js';

/** Options of {@link createCodeBrowserLogin}. */
export interface CodeBrowserLoginOptions extends BrowserCommonOptions {
  /** The issuer; discovery must answer with exactly this. */
  readonly issuer: string;
  /** A public client registered with exactly `redirectUri`. */
  readonly clientId: string;
  /** @default the cluster's scope: `{baseUrl origin}/.default offline_access openid profile` (see `cdfScopes`) */
  readonly scope?: string;
  /** Extra authorization parameters (`login_hint`, `domain_hint`, Auth0's `audience`). */
  readonly authorizationParams?: Readonly<Record<string, string>>;
  /**
   * On a page load without a session, try a top-level redirect with `prompt=none` once per tab: an IdP
   * session that is still alive signs the person in without a click; `login_required` (or another
   * interaction error) comes back as `none`, never as a loop.
   * @default false
   */
  readonly silent?: boolean;
  /**
   * Where the IdP sends the page back after `logout()` ended its session too (RP-initiated logout);
   * registered with the IdP as a post-logout redirect URI. Without it, logout is local to this origin.
   */
  readonly postLogoutRedirectUri?: string;
}

const OIDC_CALLBACK_PARAMS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'session_state'];

/** Signs a person in with OpenID Connect code + PKCE, by full-page redirect. */
export function createCodeBrowserLogin(options: CodeBrowserLoginOptions): BrowserLogin {
  const cdf = createCdfClient({ baseUrl: options.baseUrl, ...(options.appId ? { appId: options.appId } : {}) });
  const oidc = createOidcClient({ issuer: options.issuer, clientId: options.clientId });
  let original: IdClaims | null = null;
  return createBrowserLoginWith(options, {
    flow: 'authorization-code',
    createFlow: (navigate, machineOptions) =>
      authorizationCodeFlow({
        oidc,
        cdf,
        // Resolves at once: the page leaves only after the pending flow was persisted.
        navigate: async (url) => {
          setTimeout(() => navigate(url), 0);
        },
        ...(machineOptions?.prompt ? { prompt: machineOptions.prompt } : {}),
        ...(options.authorizationParams ? { authorizationParams: options.authorizationParams } : {}),
      }),
    input: () => ({
      issuer: options.issuer,
      clientId: options.clientId,
      redirectUri: options.redirectUri,
      scope: options.scope ?? cdfScopes(options.baseUrl).user,
      project: options.project,
    }),
    start: () => ({ type: 'START', attempt: freshAttempt(), now: Date.now() }),
    isCallback: (params) => params.has('code') || params.has('error') || params.has('state'),
    strip: (href) => {
      const url = new URL(href);
      for (const name of OIDC_CALLBACK_PARAMS) url.searchParams.delete(name);
      return url.toString();
    },
    callback: parseAuthorizationCallback,
    tokenOf: (output) => {
      const { credential } = output as Extract<AuthorizationCodeOutput, { status: 'signedIn' }>;
      return { accessToken: credential.tokens.accessToken, expiresAt: credential.tokens.expiresAt };
    },
    tokenSetOf: (output) => {
      const { credential } = output as Extract<AuthorizationCodeOutput, { status: 'signedIn' }>;
      original = credential.claims;
      return credential.tokens;
    },
    ...(options.silent ? { silent: true } : {}),
    ...(options.postLogoutRedirectUri
      ? {
          endSessionUrl: (tokens) =>
            oidc.endSessionUrl({
              postLogoutRedirectUri: options.postLogoutRedirectUri as string,
              ...(tokens?.idToken ? { idTokenHint: tokens.idToken } : {}),
            }),
        }
      : {}),
    claims: () => original,
    restoreClaims: (claims) => {
      original = claims;
    },
    tabs: (tabOptions) => createTabSync({ ...tabOptions, refresh: renewPersonTokens(oidc, () => original) }),
  });
}
