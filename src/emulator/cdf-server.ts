/**
 * The emulated CDF auth API (docs/cdf-api.md §7), written from the wire facts and sharing no code
 * with the client side, so that it can catch client bugs.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { playFault } from './faults.js';
import { cors, envelope, type Route } from './http.js';
import { createIdentity } from './identity.js';
import { legacyLoginRoutes } from './legacy-login.js';
import { assetsRoute, resourceRoutes } from './resource.js';
import type { CdfState } from './state.js';

/** Creates the request handler of the emulated CDF cluster: faults first, then the routes. */
export function createCdfHandler(state: CdfState): (req: IncomingMessage, res: ServerResponse) => void {
  const identity = createIdentity(state);
  const routes: Record<string, Route> = { ...legacyLoginRoutes(state, identity), ...resourceRoutes(identity) };
  return (req, res) => {
    const url = new URL(req.url ?? '/', state.baseUrl);
    state.requests.push({ method: req.method ?? 'GET', path: url.pathname, search: url.search });
    res.setHeader('x-request-id', randomUUID());
    cors(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const fault = state.faults.take(url.pathname);
    const run = async () => {
      if (await playFault(fault, res, state.stalled, envelope)) return;
      const route = routes[`${req.method} ${url.pathname}`] ?? assetsRoute(identity, req, url);
      if (route) return route(req, res, url);
      envelope(res, 404, `No route ${req.method} ${url.pathname}`);
    };
    run().catch(() => {
      if (!res.headersSent) envelope(res, 500, 'Internal emulator error.');
      else res.end();
    });
  };
}
