/**
 * Reading the authorization response (RFC 6749 4.1.2) from the callback URL the browser landed on.
 * The machine then judges `state` and `iss` before the code is redeemed (RFC 9700 2.1, RFC 9207).
 */
import type { AuthorizationCallback } from '../../../machines/authorization-code.js';
import { urlOf } from './url.js';

/** Parses the callback URL into the machine's {@link AuthorizationCallback}. Never throws. */
export function parseAuthorizationCallback(url: string): AuthorizationCallback {
  const parsed = urlOf(url);
  if (!parsed) return { kind: 'invalid', reason: 'not a URL' };
  const params: Record<string, string> = {};
  for (const [name, value] of parsed.searchParams) {
    if (Object.hasOwn(params, name)) return { kind: 'invalid', reason: `repeated parameter ${name.slice(0, 32)}` };
    params[name] = value;
  }
  return { kind: 'response', params, url };
}
