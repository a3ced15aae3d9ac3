/**
 * The loopback redirect listener of RFC 8252 section 7.3: 127.0.0.1 on an ephemeral port, opened only
 * for one flow, answering one request on the callback path and then closed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthFlowError } from '../errors/auth-flow-error.js';

/** A request that reached the callback path, and how to answer it. */
export interface LoopbackRequest {
  /** The full URL the browser requested (holds secrets: never log it unredacted). */
  readonly url: string;
  /** Sends the page and closes the listener. */
  respond(status: number, html: string): void;
}

/** An open loopback listener. */
export interface LoopbackListener {
  /** `http://127.0.0.1:{port}{path}`: the redirect URI to register with the flow. */
  readonly redirectUrl: string;
  readonly port: number;
  /** Resolves when the first request on the callback path arrives. */
  readonly request: Promise<LoopbackRequest>;
  /** Closes the port (idempotent); a pending `request` rejects with code `cancelled`. */
  close(): Promise<void>;
}

/**
 * Opens a listener on 127.0.0.1 port 0 (never 0.0.0.0). Requests to other paths (a favicon, a
 * scanner) get 404 and do not end the flow; the first request on `path` does.
 */
export async function openLoopbackListener(path = '/callback'): Promise<LoopbackListener> {
  let deliver: (request: LoopbackRequest) => void = () => {};
  let refuse: (error: AuthFlowError) => void = () => {};
  const request = new Promise<LoopbackRequest>((resolve, reject) => {
    deliver = resolve;
    refuse = reject;
  });
  request.catch(() => {});
  let taken = false;
  let closing: Promise<void> | undefined;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (taken || req.method !== 'GET' || url.pathname !== path) {
      res.writeHead(404, { 'content-type': 'text/plain', connection: 'close' }).end('Not found');
      return;
    }
    taken = true;
    // One request ends the flow: stop accepting at once, finish this answer, then drop the port.
    server.close();
    deliver({
      url: `http://127.0.0.1:${port}${req.url ?? '/'}`,
      respond(status, html) {
        res.writeHead(status, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer',
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
          connection: 'close',
        });
        res.end(html, () => void close());
      },
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      refuse(new AuthFlowError({ code: 'cancelled', message: 'The loopback listener was closed.' }));
      server.closeAllConnections();
      server.close(() => resolve());
      if (!server.listening) resolve();
    });
    return closing;
  };
  return { redirectUrl: `http://127.0.0.1:${port}${path}`, port, request, close };
}
