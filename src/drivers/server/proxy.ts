/**
 * The optional CDF proxy of a backend for frontend: `{proxyPath}/api/v1/projects/{project}/...` from the
 * browser goes to the cluster with the session's token, so that the browser never holds one. Only the
 * session's project, only the cluster's origin; the browser's cookies and credentials are never
 * forwarded, hop-by-hop headers are dropped both ways, and a redirect from CDF is not followed (it would
 * carry the token elsewhere): it is answered as 502.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/** Request and response headers that belong to one connection (RFC 9110 7.6.1), and what the proxy sets itself. */
const DROPPED_REQUEST = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'cookie',
  'authorization',
  'origin',
  'referer',
  'content-length',
  'accept-encoding',
]);
const DROPPED_RESPONSE = new Set([...DROPPED_REQUEST, 'set-cookie', 'content-encoding', 'content-length']);

/** What the proxy needs of its server. */
export interface ProxyContext {
  readonly baseUrl: string;
  readonly proxyPath: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
}

/** The cluster URL a proxied path goes to; `null` for a path outside the session's project. */
export function proxyTarget(context: ProxyContext, url: URL, project: string): string | null {
  const rest = url.pathname.slice(context.proxyPath.length);
  const allowed = `/api/v1/projects/${encodeURIComponent(project)}/`;
  // `URL` has already resolved `..`; an encoded dot segment would be resolved again upstream.
  if (!rest.startsWith(allowed) || /%2e/i.test(rest)) return null;
  return `${new URL(context.baseUrl).origin}${rest}${url.search}`;
}

/** Why a path was not forwarded. */
export const notForwarded = (context: ProxyContext, project: string) =>
  `The proxy forwards only ${context.proxyPath}/api/v1/projects/${project}/... (the session's project).`;

/** Forwards `req` to `target` with `accessToken`, and streams CDF's answer back. */
export async function forward(
  context: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: string,
  accessToken: string,
): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || DROPPED_REQUEST.has(name)) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  headers.set('authorization', `Bearer ${accessToken}`);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const answer = await context.fetch(target, {
    method: req.method ?? 'GET',
    headers,
    redirect: 'manual',
    signal: AbortSignal.timeout(context.timeoutMs),
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
  } as RequestInit);
  if (answer.status >= 300 && answer.status < 400) {
    await answer.body?.cancel();
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ error: 'unexpectedRedirect', message: 'CDF answered with a redirect; it was not followed.' }),
    );
    return;
  }
  const out: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    if (!DROPPED_RESPONSE.has(name)) out[name] = value;
  });
  res.writeHead(answer.status, { ...out, 'cache-control': 'no-store' });
  if (!answer.body) {
    res.end();
    return;
  }
  for await (const chunk of answer.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
  res.end();
}
