/**
 * What the server driver answers: redirects, JSON that no cache keeps, and a failure as a whole page a
 * person can read (or JSON for a script), with the failure's code and message (which never hold a
 * secret) and a way to start again.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Failure, FailureCode } from '../../../machines/shared/failure.js';
import { escapeHtml } from '../../protocol/html.js';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

/** A redirect to `location` (302 to the IdP, 303 after a callback or a form), setting `cookies`. */
export function redirect(res: ServerResponse, status: 302 | 303, location: string, cookies: readonly string[] = []) {
  res.writeHead(status, { ...NO_STORE, location, ...(cookies.length ? { 'set-cookie': [...cookies] } : {}) });
  res.end();
}

/** A JSON answer that no cache keeps. */
export function json(res: ServerResponse, status: number, body: unknown, cookies: readonly string[] = []) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...NO_STORE,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...(cookies.length ? { 'set-cookie': [...cookies] } : {}),
  });
  res.end(text);
}

/** The HTTP status of a failure: the caller's mistake (4xx), or trouble upstream (502, 503). */
export function statusOf(code: FailureCode): number {
  if (code === 'storeUnavailable') return 503;
  if (code === 'notLoggedIn' || code === 'reauthRequired') return 401;
  if (UPSTREAM.has(code)) return 502;
  return 400;
}

const UPSTREAM: ReadonlySet<FailureCode> = new Set([
  'network',
  'timeout',
  'http',
  'invalidResponse',
  'idpError',
  'insecureEndpoint',
  'unexpectedRedirect',
  'internal',
]);

/** A failure, as a page for a browser or as JSON for a client that asked for it. */
export function failure(
  req: IncomingMessage,
  res: ServerResponse,
  failed: Failure,
  options: { readonly startAgain: string; readonly cookies?: readonly string[] },
) {
  const status = statusOf(failed.code);
  const cookies = options.cookies ?? [];
  if ((req.headers.accept ?? '').includes('application/json') && !(req.headers.accept ?? '').includes('text/html')) {
    json(res, status, { error: failed.code, message: failed.message }, cookies);
    return;
  }
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign-in failed</title></head>
<body><main><h1>Sign-in failed</h1>
<p>${escapeHtml(failed.message)}</p>
<p>Reason: <code>${escapeHtml(failed.code)}</code></p>
<p><a href="${escapeHtml(options.startAgain)}">Sign in again</a></p></main></body></html>`;
  res.writeHead(status, {
    ...NO_STORE,
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(page),
    'content-security-policy': "default-src 'none'",
    ...(cookies.length ? { 'set-cookie': [...cookies] } : {}),
  });
  res.end(page);
}
