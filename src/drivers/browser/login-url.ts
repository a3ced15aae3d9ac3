/** The browser driver for the legacy login-URL flow. */
import * as oauth from 'oauth4webapi';
import type { LoginUrlOutput } from '../../../machines/login-url.js';
import { loginUrlFlow } from '../../flows/login-url.js';
import { LOGIN_CALLBACK_PARAMS, parseLoginCallback, stripLoginCallback } from '../../protocol/callback/login-url.js';
import { createCdfClient } from '../../protocol/cdf.js';
import { createBrowserLoginWith } from './create-login.js';
import type { BrowserCommonOptions, BrowserLogin } from './types.js';

/** Signs a person in with CDF's login URL, by full-page redirect. */
export function createLoginUrlBrowserLogin(options: BrowserCommonOptions): BrowserLogin {
  const cdf = createCdfClient({ baseUrl: options.baseUrl, ...(options.appId ? { appId: options.appId } : {}) });
  return createBrowserLoginWith(options, {
    flow: 'login-url',
    createFlow: (navigate) =>
      loginUrlFlow({
        cdf,
        // Resolves at once: the page leaves only after the pending flow was persisted.
        navigate: async (url) => {
          setTimeout(() => navigate(url), 0);
        },
      }),
    input: () => ({ project: options.project, redirectUrl: options.redirectUri }),
    start: () => ({ type: 'START', flowId: oauth.generateRandomState(), now: Date.now() }),
    isCallback: (params) => LOGIN_CALLBACK_PARAMS.some((name) => params.has(name)),
    strip: stripLoginCallback,
    callback: parseLoginCallback,
    tokenOf: (output) => {
      const { credential } = output as Extract<LoginUrlOutput, { status: 'signedIn' }>;
      return { accessToken: credential.accessToken, expiresAt: credential.expiresAt };
    },
  });
}
