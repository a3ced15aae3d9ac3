/** The emulator's small HTTP vocabulary: reading requests and writing CDF-shaped answers. */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The cookie that binds the browser following a login URL to its flow. */
export const LOGIN_COOKIE = 'cdf_login';

/** A handler of one route. */
export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function bearerOf(req: IncomingMessage): string | undefined {
  const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header(req, 'authorization') ?? '');
  return match?.[1];
}

export function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (header(req, 'cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Appends query parameters before any fragment, keeping the others (docs/cdf-api.md §3.4). */
export function appendParams(target: string, params: Record<string, string>): string {
  const url = new URL(target);
  for (const [key, value] of Object.entries(params)) url.searchParams.append(key, value);
  return url.toString();
}

export function redirect(res: ServerResponse, location: string, clearCookie: boolean): void {
  res.writeHead(303, {
    location,
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    ...(clearCookie ? { 'set-cookie': `${LOGIN_COOKIE}=; HttpOnly; Path=/login; Max-Age=0` } : {}),
  });
  res.end();
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** CDF's error envelope. */
export function envelope(res: ServerResponse, status: number, message: string): void {
  json(res, status, { error: { code: status, message } });
}

export function cors(req: IncomingMessage, res: ServerResponse): void {
  const origin = header(req, 'origin');
  if (!origin) return;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'origin');
  res.setHeader('access-control-allow-credentials', 'true');
  res.setHeader(
    'access-control-allow-headers',
    'api-key, authorization, x-cdp-app, x-cdp-sdk, content-type, cdf-version',
  );
  res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
  res.setHeader('access-control-expose-headers', 'x-request-id');
}
