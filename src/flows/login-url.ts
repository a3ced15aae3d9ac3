/**
 * The login-URL machine with its effects, for every driver: the login URL from CDF (with the flow id
 * on both redirect URLs), the tokens checked at `/login/token` and `/login/status`, and the one clock
 * rule. Only how the person is sent to the IdP differs between drivers.
 */
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
import { effect, type Flow } from './flow.js';

/** What one login-URL run's actors use. */
export interface LoginUrlEffects {
  readonly cdf: CdfClient;
  /** Sends the person to the IdP; resolves once the browser was sent. */
  readonly navigate: (url: string) => Promise<void>;
  /**
   * `login-url` asks `GET /login/url`; `login-redirect` builds the `/login/redirect` URL, which CDF
   * answers with a 303 to the IdP (docs/cdf-api.md §3.2). @default 'login-url'
   */
  readonly source?: 'login-url' | 'login-redirect';
}

const on = effect<LoginUrlEffects>();

const machine = loginUrlMachine.provide({
  actors: {
    fetchLoginUrl: on<string | null, FetchLoginUrlInput>(async (fx, input, signal) => {
      const params = {
        project: input.project,
        redirectUrl: withFlowId(input.redirectUrl, input.flowId),
        errorRedirectUrl: input.errorRedirectUrl ? withFlowId(input.errorRedirectUrl, input.flowId) : null,
      };
      return fx.source === 'login-redirect' ? fx.cdf.loginRedirectUrl(params) : fx.cdf.getLoginUrl(params, { signal });
    }),
    navigateToIdp: on<void, { readonly url: string }>((fx, input) => fx.navigate(input.url)),
    validateToken: on<LegacyValidation, LegacyTokens>((fx, input, signal) =>
      validateLegacyTokens(fx.cdf, input, signal),
    ),
  },
  delays: { callbackTimeout: untilDeadline('callbackDeadline') },
});

/** The login-URL machine with real effects. */
export function loginUrlFlow(effects: LoginUrlEffects): Flow<typeof machine, LoginUrlEffects> {
  return { machine, effects };
}
