/**
 * The login-URL machine with its effects, for every driver: the login URL from CDF (with the flow id
 * on both redirect URLs), the tokens checked at `/login/token` and `/login/status`, and the one clock
 * rule. Only how the person is sent to the IdP differs between drivers.
 */
import { fromPromise } from 'xstate';
import {
  type FetchLoginUrlInput,
  type LegacyTokens,
  type LegacyValidation,
  loginUrlMachine,
} from '../../machines/login-url.js';
import { withFlowId } from '../protocol/callback/login-url.js';
import type { CdfClient } from '../protocol/cdf.js';
import { validateLegacyTokens } from '../protocol/legacy.js';
import { untilDeadline } from './clock.js';

/** The login-URL machine with real effects. */
export function loginUrlFlow(options: {
  readonly cdf: CdfClient;
  /** Sends the person to the IdP; resolves once the browser was sent. */
  readonly navigate: (url: string) => Promise<void>;
  /**
   * `login-url` asks `GET /login/url`; `login-redirect` builds the `/login/redirect` URL, which CDF
   * answers with a 303 to the IdP (docs/cdf-api.md §3.2). @default 'login-url'
   */
  readonly source?: 'login-url' | 'login-redirect';
}) {
  const { cdf } = options;
  return loginUrlMachine.provide({
    actors: {
      fetchLoginUrl: fromPromise<string | null, FetchLoginUrlInput>(async ({ input, signal }) => {
        const params = {
          project: input.project,
          redirectUrl: withFlowId(input.redirectUrl, input.flowId),
          errorRedirectUrl: input.errorRedirectUrl ? withFlowId(input.errorRedirectUrl, input.flowId) : null,
        };
        return options.source === 'login-redirect' ? cdf.loginRedirectUrl(params) : cdf.getLoginUrl(params, { signal });
      }),
      navigateToIdp: fromPromise<void, { readonly url: string }>(({ input }) => options.navigate(input.url)),
      validateToken: fromPromise<LegacyValidation, LegacyTokens>(({ input, signal }) =>
        validateLegacyTokens(cdf, input, signal),
      ),
    },
    delays: { callbackTimeout: untilDeadline('callbackDeadline') },
  });
}
