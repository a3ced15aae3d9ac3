/**
 * The device-code flow (RFC 8628): its machine with its effects, for every driver. The driver only shows
 * the person where to go and what to type (`onUserCode`); the device code itself never leaves here.
 */
import { type DeviceAuthorization, deviceCodeMachine, type PollResult } from '../../machines/device-code.js';
import type { IdClaims, Inspection } from '../../machines/shared/tokens.js';
import type { CdfClient } from '../protocol/cdf.js';
import type { OidcClient } from '../protocol/oidc.js';
import { untilDeadline } from './clock.js';
import { effect, effectsOf, type Flow } from './flow.js';
import { type Inspector, inspectorOf } from './inspect.js';

/** What the person is shown: where to go and what to type. Never the device code. */
export interface UserCode {
  /** The code the person types. */
  readonly userCode: string;
  /** Where the person types it. */
  readonly verificationUri: string;
  /** The same URL with the code in it, where the IdP offers one. */
  readonly verificationUriComplete?: string;
}

/** What one device-code run's actors and actions use. */
export interface DeviceCodeEffects {
  readonly oidc: OidcClient;
  /** Where token/inspect is asked. */
  readonly cdf: CdfClient | Inspector;
  /** Extra parameters of the device authorization request (Auth0's `audience`). */
  readonly tokenParams?: Readonly<Record<string, string>>;
  /** Shows the person where to go and what to type. */
  readonly onUserCode: (info: UserCode) => void;
}

const on = effect<DeviceCodeEffects>();

const machine = deviceCodeMachine.provide({
  actors: {
    requestDeviceCode: on<DeviceAuthorization, { readonly clientId: string; readonly scope: string }>(
      (fx, input, signal) =>
        fx.oidc.requestDeviceCode(
          { scope: input.scope, ...(fx.tokenParams ? { params: fx.tokenParams } : {}) },
          signal,
        ),
    ),
    pollToken: on<PollResult, { readonly deviceCode: string }>((fx, input, signal) =>
      fx.oidc.pollDeviceCode(input.deviceCode, signal),
    ),
    validateIdToken: on<IdClaims, { readonly idToken: string; readonly nonce: string | null }>((fx, input) =>
      fx.oidc.validateIdToken(input.idToken, { nonce: input.nonce }),
    ),
    inspectToken: on<Inspection, { readonly accessToken: string }>((fx, input, signal) =>
      inspectorOf(fx.cdf)(input.accessToken, signal),
    ),
  },
  actions: {
    showUserCode: ({ system }, params) => effectsOf<DeviceCodeEffects>(system).onUserCode(params),
  },
  delays: {
    codeExpiry: untilDeadline('deadline'),
  },
});

/** The device-code machine with real effects; `onUserCode` shows the person the code. */
export function deviceCodeFlow(effects: DeviceCodeEffects): Flow<typeof machine, DeviceCodeEffects> {
  return { machine, effects };
}
