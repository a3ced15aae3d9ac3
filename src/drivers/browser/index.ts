/**
 * `createBrowserLogin`: either browser flow from one options object. Import `createCodeBrowserLogin`
 * or `createLoginUrlBrowserLogin` directly to keep the other flow out of your bundle.
 */
import { type CodeBrowserLoginOptions, createCodeBrowserLogin } from './code.js';
import { createLoginUrlBrowserLogin } from './login-url.js';
import type { BrowserCommonOptions, BrowserLogin } from './types.js';

/** Options of {@link createBrowserLogin}. */
export type BrowserLoginOptions =
  | (BrowserCommonOptions & {
      /** CDF's legacy login URL. */
      readonly flow: 'login-url';
    })
  | (CodeBrowserLoginOptions & {
      /** OpenID Connect authorization code + PKCE. */
      readonly flow: 'authorization-code';
    });

/**
 * Creates a {@link BrowserLogin} for the login-URL flow or code + PKCE.
 *
 * @example
 * ```ts
 * const login = createBrowserLogin({ flow: 'authorization-code', issuer, clientId, baseUrl, project, redirectUri: location.origin + '/' });
 * await login.handleRedirect();
 * button.onclick = () => login.signIn();
 * ```
 */
export function createBrowserLogin(options: BrowserLoginOptions): BrowserLogin {
  return options.flow === 'authorization-code' ? createCodeBrowserLogin(options) : createLoginUrlBrowserLogin(options);
}
