/** The device authorization grant (RFC 8628): the request for a code, and one poll for tokens. */
import * as oauth from 'oauth4webapi';
import type { DeviceAuthorization, PollResult } from '../../../machines/device-code.js';
import { extraParams } from './authorize.js';
import { type IdpContext, resourceParams, tokenSetOf } from './context.js';
import { callIdp } from './discovery.js';

/** The device authorization request (§3.1). */
export async function requestDeviceCode(
  idp: IdpContext,
  input: { readonly scope: string; readonly params?: Readonly<Record<string, string>> },
  signal?: AbortSignal,
): Promise<DeviceAuthorization> {
  // Checked before the request: a mistake of the caller, not an answer of the IdP.
  const extra = extraParams(input.params);
  return callIdp(idp, 'The device authorization request', signal, [], async (request, metadata) => {
    const params = { ...extra, ...resourceParams(idp), scope: input.scope };
    const response = await oauth.deviceAuthorizationRequest(metadata, idp.client, request.auth, params, request);
    const answer = await oauth.processDeviceAuthorizationResponse(metadata, idp.client, response);
    return {
      deviceCode: answer.device_code,
      userCode: answer.user_code,
      verificationUri: answer.verification_uri,
      ...(answer.verification_uri_complete ? { verificationUriComplete: answer.verification_uri_complete } : {}),
      expiresIn: answer.expires_in,
      ...(typeof answer.interval === 'number' ? { interval: answer.interval } : {}),
    };
  });
}

/** One poll (§3.4): tokens, or one of the four answers that are steps of the poll, not failures (§3.5). */
export function pollDeviceCode(idp: IdpContext, deviceCode: string, signal?: AbortSignal): Promise<PollResult> {
  return callIdp(idp, 'The device token poll', signal, [deviceCode], async (request, metadata): Promise<PollResult> => {
    const response = await oauth.deviceCodeGrantRequest(metadata, idp.client, request.auth, deviceCode, {
      ...request,
      additionalParameters: resourceParams(idp),
    });
    try {
      return {
        kind: 'tokens',
        tokens: tokenSetOf(idp, await oauth.processDeviceCodeResponse(metadata, idp.client, response)),
      };
    } catch (error) {
      if (error instanceof oauth.ResponseBodyError) {
        if (error.error === 'authorization_pending') return { kind: 'pending' };
        if (error.error === 'slow_down') return { kind: 'slowDown' };
        if (error.error === 'access_denied' || error.error === 'authorization_declined') return { kind: 'denied' };
        if (error.error === 'expired_token') return { kind: 'expired' };
      }
      throw error;
    }
  });
}
