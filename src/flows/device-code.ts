/**
 * The device-code flow (RFC 8628): its machine with its effects, for every driver. The driver only shows
 * the person where to go and what to type (`onUserCode`); the device code itself never leaves here.
 */
import { fromPromise } from 'xstate';
import { type DeviceAuthorization, deviceCodeMachine, type PollResult } from '../../machines/device-code.js';
import type { IdClaims, Inspection } from '../../machines/shared/tokens.js';
import type { CdfClient } from '../protocol/cdf.js';
import type { OidcClient } from '../protocol/oidc.js';
import { untilDeadline } from './clock.js';
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

/** The device-code machine with real effects. */
export function deviceCodeFlow(options: {
  readonly oidc: OidcClient;
  /** Where token/inspect is asked. */
  readonly cdf: CdfClient | Inspector;
  /** Extra parameters of the device authorization request (Auth0's `audience`). */
  readonly tokenParams?: Readonly<Record<string, string>>;
  /** Shows the person where to go and what to type. */
  readonly onUserCode: (info: UserCode) => void;
}) {
  const { oidc } = options;
  const inspect = inspectorOf(options.cdf);
  return deviceCodeMachine.provide({
    actors: {
      requestDeviceCode: fromPromise<DeviceAuthorization, { readonly clientId: string; readonly scope: string }>(
        ({ input, signal }) =>
          oidc.requestDeviceCode(
            { scope: input.scope, ...(options.tokenParams ? { params: options.tokenParams } : {}) },
            signal,
          ),
      ),
      pollToken: fromPromise<PollResult, { readonly deviceCode: string }>(({ input, signal }) =>
        oidc.pollDeviceCode(input.deviceCode, signal),
      ),
      validateIdToken: fromPromise<IdClaims, { readonly idToken: string; readonly nonce: string | null }>(({ input }) =>
        oidc.validateIdToken(input.idToken, { nonce: input.nonce }),
      ),
      inspectToken: fromPromise<Inspection, { readonly accessToken: string }>(({ input, signal }) =>
        inspect(input.accessToken, signal),
      ),
    },
    actions: {
      showUserCode: (_, params) => options.onUserCode(params),
    },
    delays: {
      codeExpiry: untilDeadline('deadline'),
    },
  });
}
