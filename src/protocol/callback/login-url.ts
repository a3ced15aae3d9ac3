/**
 * Reading the redirect back from CDF's legacy login (docs/cdf-api.md §3.4): `access_token` and `id_token`,
 * or `error` and `error_description`, in the query string of the app's redirect URL, plus the flow id
 * that our driver added to it.
 */
import type { LoginCallback } from '../../../machines/login-url.js';
import { urlOf } from './url.js';

/** The query parameter that carries the driver's single-use flow id through CDF and back. */
const FLOW_ID_PARAM = 'cdf_flow';

/** The parameters the legacy callback may carry; all are removed from the address bar. */
export const LOGIN_CALLBACK_PARAMS: readonly string[] = [
  'access_token',
  'id_token',
  'error',
  'error_description',
  FLOW_ID_PARAM,
];

const MAX_TOKEN_LENGTH = 16_384;

const TOKEN_SHAPE = /^[\x21-\x7e]+$/;

/**
 * Parses the URL the browser landed on into a {@link LoginCallback}. Never throws: anything it cannot
 * read becomes `{ kind: 'invalid', reason }`, and the reason never repeats a parameter value.
 */
export function parseLoginCallback(url: string): LoginCallback {
  const parsed = urlOf(url);
  if (!parsed) return { kind: 'invalid', reason: 'not a URL' };
  const params = parsed.searchParams;
  // The flow id decides whether this callback belongs to the flow at all; a repeated one is nobody's.
  const flowId = params.getAll(FLOW_ID_PARAM).length === 1 ? params.get(FLOW_ID_PARAM) : null;
  for (const name of LOGIN_CALLBACK_PARAMS) {
    if (params.getAll(name).length > 1) return { kind: 'invalid', reason: `repeated parameter ${name}`, flowId };
  }
  const error = params.get('error');
  if (error !== null) {
    const code = error.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64);
    return { kind: 'error', flowId, error: code || 'unknown' };
  }
  const accessToken = params.get('access_token');
  const idToken = params.get('id_token');
  if (accessToken === null && idToken === null) return { kind: 'invalid', reason: 'no tokens and no error', flowId };
  if (!accessToken || !idToken) {
    return { kind: 'invalid', reason: 'one of access_token and id_token is missing', flowId };
  }
  for (const token of [accessToken, idToken]) {
    if (token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) {
      return { kind: 'invalid', reason: 'a token is malformed', flowId };
    }
  }
  return { kind: 'tokens', flowId, accessToken, idToken };
}

/**
 * The same URL without the callback parameters, other parameters and the hash kept, for
 * `history.replaceState` and for anything that logs the URL.
 */
export function stripLoginCallback(url: string): string {
  const parsed = new URL(url);
  for (const name of LOGIN_CALLBACK_PARAMS) parsed.searchParams.delete(name);
  return parsed.toString();
}

/** `redirectUrl` with the flow id added (before any fragment, keeping other parameters). */
export function withFlowId(redirectUrl: string, flowId: string): string {
  const parsed = new URL(redirectUrl);
  parsed.searchParams.set(FLOW_ID_PARAM, flowId);
  return parsed.toString();
}
