/**
 * The `fetch` every request of the library goes through, to the IdP (discovery, token, device, JWKS) and
 * to CDF: the body read with a cap and the connection dropped past it, 429 and 503 retried within the
 * call's deadline honouring `Retry-After`, and a record of the last answer so that IdP failures are
 * classified as the CDF client's are (5xx or HTML: `http`; a reset: `network`).
 */
import { AuthFlowError } from '../errors/auth-flow-error.js';

/** What the last answer was, for classifying a failure that oauth4webapi reports in its own words. */
export interface IdpAnswerRecord {
  status?: number;
  contentType?: string;
  /** The JSON body of a 4xx answer (error, error_description, Entra's trace ids): read even where a challenge came first. */
  errorBody?: unknown;
}

/** Options of {@link idpFetch}. */
export interface IdpFetchOptions {
  /** The fetch underneath. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** The largest body accepted, in bytes. @default 1048576 */
  readonly maxBodyBytes?: number;
  /** Retries of a 429 or 503 answer; a code exchange is retried at most once. @default 2 */
  readonly retryLimit?: number;
  /** The call's deadline, ms since the epoch: a `Retry-After` that ends past it is not waited for. */
  readonly deadline: number;
  /** Filled with the status and content type of each answer. */
  readonly record: IdpAnswerRecord;
  /** Who answers, as failures name it: `the IdP`, or the CDF call (`CDF /login/status`). @default 'the IdP' */
  readonly source?: string;
}

/** A `fetch` with the library's limits: see the module comment. Its body comes back fully read. */
export function idpFetch(options: IdpFetchOptions): typeof fetch {
  const base = options.fetch ?? globalThis.fetch;
  const maxBytes = options.maxBodyBytes ?? 1_048_576;
  return async (input, init) => {
    // An authorization code is single-use: a second 503 may mean the first try reached the IdP.
    const isCodeExchange =
      init?.body instanceof URLSearchParams && init.body.get('grant_type') === 'authorization_code';
    const limit = isCodeExchange ? Math.min(1, options.retryLimit ?? 2) : (options.retryLimit ?? 2);
    for (let attempt = 0; ; attempt += 1) {
      const response = await base(input, init);
      options.record.status = response.status;
      options.record.contentType = response.headers.get('content-type') ?? '';
      const wait = response.status === 429 || response.status === 503 ? retryDelay(response) : undefined;
      if (wait !== undefined && attempt < limit && Date.now() + wait < options.deadline) {
        await response.body?.cancel().catch(() => {});
        await sleep(wait, init?.signal ?? undefined);
        continue;
      }
      // A redirect is the caller's to refuse, as it came: its Location may be relative to its URL, and a
      // browser's opaque redirect has no status a copy could carry.
      if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) return response;
      const body = await readCapped(response, maxBytes, options.source ?? 'the IdP', init?.signal ?? undefined);
      if (response.status >= 400 && response.status < 500 && /json/i.test(options.record.contentType)) {
        try {
          options.record.errorBody = JSON.parse(new TextDecoder().decode(body));
        } catch {}
      }
      const nullBody = response.status === 204 || response.status === 205 || response.status === 304;
      return new Response(nullBody ? null : body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    }
  };
}

/** `Retry-After` in ms (seconds or an HTTP date), 1 s when absent or unreadable. */
function retryDelay(response: Response): number {
  const header = response.headers.get('retry-after');
  if (header === null || header.trim() === '') return 1_000;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? 1_000 : Math.max(0, date - Date.now());
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function readCapped(
  response: Response,
  maxBytes: number,
  source: string,
  signal?: AbortSignal,
): Promise<Uint8Array<ArrayBuffer>> {
  const tooLarge = () =>
    new AuthFlowError({
      code: 'invalidResponse',
      message: `${source.charAt(0).toUpperCase()}${source.slice(1)} answered with a body over ${maxBytes} bytes; refused.`,
      status: response.status,
    });
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (response.body === null) return new Uint8Array(new ArrayBuffer(0));
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new AuthFlowError(
        { code: 'network', message: `The connection to ${source} broke off in the middle of its answer.` },
        { cause: new Error(error instanceof Error ? error.message : 'read failed') },
      );
    }
    if (next.done) break;
    size += next.value.byteLength;
    if (size > maxBytes) {
      // Cancelling the reader drops the connection: the rest is never read into memory.
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(next.value);
  }
  const body = new Uint8Array(new ArrayBuffer(size));
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
