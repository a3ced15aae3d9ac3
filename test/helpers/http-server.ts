import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';

/** A real loopback HTTP server with a swappable handler, as ky's own tests do it. */
export async function startTestServer() {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const requests: IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  return {
    url: await listenLocal(server),
    requests,
    handle(next: typeof handler) {
      handler = next;
    },
    close: () => stopServer(server),
  };
}

/**
 * A CDF whose project has no IdP (`/login/url` answers no URL), keeping every request URL: what the
 * client sent to `/login/url` can be read back, and the flow ends at once with `noIdpConfigured`.
 */
export async function startCdfWithoutIdp() {
  const server = await startTestServer();
  const seen: string[] = [];
  server.handle((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: {} }));
  });
  return { url: server.url, close: server.close, loginUrlQuery: () => new URL(seen[0] ?? '', server.url).searchParams };
}

/** Starts `server` on a free port of 127.0.0.1; resolves to its origin. */
export async function listenLocal(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Stops `server`, cutting its open connections first (a keep-alive socket would hold `close` open). */
export function stopServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Closes what a file started (browsers, emulators, servers, with their open connections cut); skips what never started. */
export async function closeAll(...things: Array<{ close(): unknown } | http.Server | undefined>): Promise<void> {
  for (const thing of things) {
    if (thing instanceof http.Server) await stopServer(thing);
    else await thing?.close();
  }
}

/** A port nothing listens on right now: one the system just gave and took back. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** True when `port` can be listened on at `address` now; a machine without that address counts as free. */
function bindable(port: number, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRNOTAVAIL'));
    server.listen(port, address, () => server.close(() => resolve(true)));
  });
}

/**
 * Waits until a fixed port is free on both loopback addresses, as a `localhost` redirect URI binds it
 * (Auth0's http://localhost:53000). Such a port lies in Linux's ephemeral range, so a kept-alive
 * connection of another test file may hold it for seconds; rejects when it is still held after `ms`.
 */
export async function fixedPortFree(port: number, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!((await bindable(port, '127.0.0.1')) && (await bindable(port, '::1')))) {
    if (Date.now() > until) throw new Error(`port ${port} stayed in use for ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
