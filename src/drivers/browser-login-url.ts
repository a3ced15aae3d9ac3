/** The browser driver for the legacy login-URL flow. */
import * as oauth from 'oauth4webapi';
import { fromPromise } from 'xstate';
import {
  type FetchLoginUrlInput,
  type LegacyTokens,
  type LegacyValidation,
  type LoginUrlOutput,
  loginUrlMachine,
} from '../../machines/login-url.js';
import { LOGIN_CALLBACK_PARAMS, parseLoginCallback, stripLoginCallback, withFlowId } from '../protocol/callback.js';
import { createCdfClient } from '../protocol/cdf.js';
import { validateLegacyTokens } from '../protocol/legacy.js';
import { type BrowserCommonOptions, type BrowserLogin, createBrowserLoginWith } from './browser-core.js';

/** Signs a person in with CDF's login URL, by full-page redirect. */
export function createLoginUrlBrowserLogin(options: BrowserCommonOptions): BrowserLogin {
  const cdf = createCdfClient({ baseUrl: options.baseUrl, ...(options.appId ? { appId: options.appId } : {}) });
  return createBrowserLoginWith(options, {
    flow: 'login-url',
    machine: (navigate) =>
      loginUrlMachine.provide({
        actors: {
          fetchLoginUrl: fromPromise<string | null, FetchLoginUrlInput>(({ input, signal }) =>
            cdf.getLoginUrl(
              { project: input.project, redirectUrl: withFlowId(input.redirectUrl, input.flowId) },
              { signal },
            ),
          ),
          // Resolves at once: the page leaves only after the pending flow was persisted.
          navigateToIdp: fromPromise<void, { readonly url: string }>(async ({ input }) => {
            setTimeout(() => navigate(input.url), 0);
          }),
          validateToken: fromPromise<LegacyValidation, LegacyTokens>(({ input, signal }) =>
            validateLegacyTokens(cdf, input, signal),
          ),
        },
        delays: { callbackTimeout: ({ context }) => Math.max(0, context.callbackDeadline! - Date.now()) },
      }),
    input: () => ({ project: options.project, redirectUrl: options.redirectUri }),
    start: () => ({ type: 'START', flowId: oauth.generateRandomState(), now: Date.now() }),
    isCallback: (params) => LOGIN_CALLBACK_PARAMS.some((name) => params.has(name)),
    strip: stripLoginCallback,
    callback: parseLoginCallback,
    tokenOf: (output) => {
      const { session } = output as Extract<LoginUrlOutput, { status: 'authenticated' }>;
      return { accessToken: session.accessToken, expiresAt: session.expiresAt };
    },
  });
}
