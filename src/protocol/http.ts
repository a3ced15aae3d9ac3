/**
 * One JSON-over-HTTP call, bounded: an overall deadline that covers retries and the body, a body size
 * cap, cancellation, and every failure mapped to an {@link AuthFlowError} with a stable code.
 */
import { AuthFlowError } from '../errors/auth-flow-error.js';
import { REDACTED, redactText } from './redact.js';

/** Options shared by every HTTP client of the library. */
export interface HttpOptions {
  /** Deadline for one call, retries and body included, in ms. @default 15000 */
  readonly timeoutMs?: number;
  /** Retries on 429 and 503 (honouring `Retry-After`). @default 2 */
  readonly retryLimit?: number;
  /** The largest response body accepted, in bytes. @default 1048576 */
  readonly maxBodyBytes?: number;
  /** A `fetch` to use instead of the global one (a proxy-aware one, say). */
  readonly fetch?: typeof fetch;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborting it cancels the call; the call then rejects with code `cancelled`. */
  readonly signal?: AbortSignal;
}

/** A decoded JSON answer with what the error handling needs of the response. */
export interface JsonAnswer {
  /** The HTTP status. */
  readonly status: number;
  /** The parsed JSON body. */
  readonly body: unknown;
  /** CDF's `x-request-id`, where it sent one: quote it to Cognite support. */
  readonly requestId?: string;
}

/**
 * Runs `send` under a deadline and the caller's signal, reads the body with a cap and parses JSON.
 * Statuses listed in `acceptStatuses` come back as answers; any other non-2xx throws code `http`.
 */
export async function callJson(
  send: (signal: AbortSignal) => Promise<Response>,
  what: string,
  options: HttpOptions &
    CallOptions & {
      readonly acceptStatuses?: readonly number[];
      /** Values that must never appear in an error message, even when the server echoes them. */
      readonly secrets?: readonly string[];
      /** The origin asked, named when it cannot be reached. */
      readonly origin?: string;
    },
): Promise<JsonAnswer> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const fail = (error: unknown): never => {
    if (options.signal?.aborted) throw new AuthFlowError({ code: 'cancelled', message: `${what} was cancelled.` });
    if (deadline.aborted) {
      throw new AuthFlowError({ code: 'timeout', message: `${what} got no complete answer within ${timeoutMs} ms.` });
    }
    if (error instanceof AuthFlowError) throw error;
    throw new AuthFlowError(
      {
        code: 'network',
        message: `${what} failed${options.origin ? `: could not reach ${options.origin}` : ''} (${redactText(connectionFailureOf(error))}). Check the URL and the network.`,
      },
      { cause: error },
    );
  };
  let response: Response;
  try {
    response = await send(signal);
  } catch (error) {
    return fail(error);
  }
  const requestId = response.headers.get('x-request-id') ?? undefined;
  if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
    await response.body?.cancel().catch(() => {});
    throw unexpectedRedirect(what, response, requestId);
  }
  let text: string;
  try {
    // `send` went through idpFetch, which read the body with its cap: this reads memory.
    text = await response.text();
  } catch (error) {
    return fail(error);
  }
  const accepted = response.ok || (options.acceptStatuses ?? []).includes(response.status);
  let body: unknown;
  try {
    body = text.length === 0 ? undefined : JSON.parse(text);
  } catch {
    if (accepted) {
      throw new AuthFlowError({
        code: 'invalidResponse',
        message: `${what} answered ${response.status} with a body that is not JSON (${contentType(response)}); is the base URL a CDF cluster?`,
        status: response.status,
        ...(requestId ? { requestId } : {}),
      });
    }
  }
  if (!accepted) {
    throw new AuthFlowError({
      code: 'http',
      message: `${what} answered HTTP ${response.status}${scrub(envelopeMessage(body), options.secrets ?? [])}.`,
      status: response.status,
      ...(requestId ? { requestId } : {}),
    });
  }
  return { status: response.status, body, ...(requestId ? { requestId } : {}) };
}

/** True for the hosts where plain `http:` is allowed: the loopback interface (RFC 8252 section 8.3). */
export function isLoopbackHost(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(url.hostname);
}

/** A 3xx answer to a call that must not follow it: names the status and the target origin, never its path or query. */
function unexpectedRedirect(what: string, response: Response, requestId: string | undefined): AuthFlowError {
  const location = response.headers.get('location');
  let target = 'an unknown place';
  if (location) {
    try {
      target = new URL(location, response.url || undefined).origin;
    } catch {
      target = 'an unreadable location';
    }
  }
  return new AuthFlowError({
    code: 'unexpectedRedirect',
    message: `${what} answered HTTP ${response.status || 'redirect'} to ${target}; credentials are never sent after a redirect. Check the base URL.`,
    ...(response.status ? { status: response.status } : {}),
    ...(requestId ? { requestId } : {}),
  });
}

/** Throws `invalidResponse` for an answer whose shape is not what the endpoint documents. */
export function invalidShape(what: string, answer: JsonAnswer, expected: string): never {
  throw new AuthFlowError({
    code: 'invalidResponse',
    message: `${what} answered ${answer.status} without ${expected}; is the base URL a CDF cluster?`,
    status: answer.status,
    ...(answer.requestId ? { requestId: answer.requestId } : {}),
  });
}

function contentType(response: Response): string {
  return (response.headers.get('content-type') ?? 'no content type').split(';')[0]?.trim() ?? 'unknown';
}

/** `: <message>` from a CDF error envelope (`{ error: { code, message } }` or `{ error: "..." }`). */
function envelopeMessage(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const error = (body as { error?: unknown }).error;
  const message =
    typeof error === 'string'
      ? error
      : typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string'
        ? (error as { message: string }).message
        : typeof (body as { error_description?: unknown }).error_description === 'string'
          ? (body as { error_description: string }).error_description
          : '';
  return message ? `: ${redactText(message).slice(0, 200)}` : '';
}

function scrub(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => (secret.length >= 4 ? out.replaceAll(secret, REDACTED) : out), text);
}

/** Why a request got no answer, in words where the system's error code is known (ECONNREFUSED, ENOTFOUND). */
export function connectionFailureOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { cause?: { code?: unknown } }).cause?.code;
  const reason = typeof code === 'string' ? CONNECTION_FAILURES.get(code) : undefined;
  if (reason) return reason;
  return typeof code === 'string' ? `${error.message}: ${code}` : error.message;
}

/** Why a connection failed, in words, by the system's error code under fetch's `TypeError`. */
const CONNECTION_FAILURES = new Map([
  ['ENOTFOUND', 'no such host name'],
  ['EAI_AGAIN', 'the host name could not be looked up'],
  ['ECONNREFUSED', 'nothing listens on that port'],
  ['ECONNRESET', 'the connection was reset'],
  ['ETIMEDOUT', 'the connection timed out'],
  ['EHOSTUNREACH', 'the host is unreachable'],
  ['CERT_HAS_EXPIRED', "the host's TLS certificate has expired"],
  ['DEPTH_ZERO_SELF_SIGNED_CERT', "the host's TLS certificate is self-signed"],
  ['SELF_SIGNED_CERT_IN_CHAIN', "the host's TLS certificate chain is self-signed"],
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', "the host's TLS certificate cannot be verified"],
]);
