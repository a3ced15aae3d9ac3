/**
 * The server driver's two cookies: the session's (an opaque random id, nothing else) and the pending
 * sign-in's binding (ties a callback to the browser that started the sign-in, so that a callback carried
 * to another browser, login CSRF, signs nobody in there). `__Host-` names and `Secure` on https; on a
 * loopback http origin (development) plain names without `Secure`, which browsers would refuse there.
 */
import type { IncomingMessage } from 'node:http';
import { parse, serialize } from 'cookie';

/** The cookie names and attributes of one site. */
export interface CookiePolicy {
  /** The session cookie's name. */
  readonly session: string;
  /** The pending sign-in's binding cookie's name. */
  readonly binding: string;
  /** Whether the cookies carry `Secure` (an https origin). */
  readonly secure: boolean;
}

/** The names and attributes for `origin`: `__Host-` prefixed on https. */
export function cookiePolicy(origin: URL, name: string): CookiePolicy {
  const secure = origin.protocol === 'https:';
  const prefix = secure ? '__Host-' : '';
  return { session: `${prefix}${name}`, binding: `${prefix}${name}-signin`, secure };
}

/** The value of cookie `name` on the request, `null` when absent. */
export function cookieOf(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  return parse(header)[name] ?? null;
}

/** A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/ (required by `__Host-`), `Secure` on https. */
export function setCookie(policy: CookiePolicy, name: string, value: string, maxAgeMs: number): string {
  return serialize(name, value, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: policy.secure,
    maxAge: Math.max(0, Math.floor(maxAgeMs / 1000)),
  });
}

/** A `Set-Cookie` value that removes cookie `name`. */
export const clearCookie = (policy: CookiePolicy, name: string) => setCookie(policy, name, '', 0);
