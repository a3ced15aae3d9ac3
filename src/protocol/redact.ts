import { isFailureCode } from '../../machines/shared/failure.js';

/**
 * Redaction for anything that may reach a log, an error, an inspection event or a file on disk.
 *
 * Two nets: values under secret-sounding keys, and anything shaped like a JWT wherever it stands
 * (inside a URL, a message, an array). The second catches what the first cannot name.
 */

const SECRET_KEY =
  /(^|[_-])(access_?token|id_?token|refresh_?token|token|authorization_?code|code_?verifier|verifier|client_?secret|secret|api[_-]?key|password|authorization|cookie|device_?code|nonce)$/i;
const SECRET_CAMEL = /(token|secret|verifier|apikey|password|authorization|authorizationcode|cookie|nonce)$/i;
const JWT = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const SECRET_QUERY =
  /([?&#](?:access_token|id_token|refresh_token|code|code_verifier|client_secret|api-key|api_key|device_code|token|state|nonce)=)[^&#\s"']*/gi;

/** The placeholder that stands where a secret was. */
export const REDACTED = '[redacted]';

/** True when a property of this name holds a secret. */
function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) || SECRET_CAMEL.test(key) || key === 'state';
}

/**
 * `code` is an OAuth authorization code in a callback's parameters, and a stable failure code in a
 * failure: only the second is shown.
 */
function isSecretCode(key: string, value: string): boolean {
  return key === 'code' && !isFailureCode(value) && !/^[A-Z][A-Z0-9_]+$/.test(value);
}

/** Removes JWTs and secret query parameters from free text (URLs, messages). */
export function redactText(text: string): string {
  return text.replace(JWT, REDACTED).replace(SECRET_QUERY, `$1${REDACTED}`);
}

/**
 * A deep copy of `value` with every secret string replaced by {@link REDACTED}. A `code` that is a
 * stable failure code (or an upper-case library code) stays; any other `code` is an OAuth code. Cycles and depth are bounded,
 * functions dropped, errors reduced to their name, code and (redacted) message.
 */
export function redact<T>(value: T): T {
  return walk(value, new WeakSet(), 0) as T;
}

function walk(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return typeof value === 'function' ? undefined : value;
  if (seen.has(value) || depth > 12) return '[…]';
  seen.add(value);
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, ...(typeof code === 'string' ? { code } : {}), message: redactText(value.message) };
  }
  if (Array.isArray(value)) return value.map((item) => walk(item, seen, depth + 1));
  const out: Record<string, unknown> = {};
  // A failure's `state` is the machine state it happened in (where), not an OAuth state.
  const failure =
    isFailureCode((value as { code?: unknown }).code) && typeof (value as { message?: unknown }).message === 'string';
  for (const [key, inner] of Object.entries(value)) {
    const secretKey = isSecretKey(key) && !(failure && key === 'state');
    // Only strings are secrets; an object under a secret-sounding key (`token: { valid }`) is walked.
    if (typeof inner === 'string' && inner !== '' && (secretKey || isSecretCode(key, inner))) out[key] = REDACTED;
    else out[key] = walk(inner, seen, depth + 1);
  }
  return out;
}
