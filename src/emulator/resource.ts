/** The emulated CDF's resource side: token/inspect, the project list and one protected resource. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { envelope, json, type Route } from './http.js';
import type { Identity } from './identity.js';

/** The routes of `/api/v1` that authentication reaches. */
export function resourceRoutes(identity: Identity): Record<string, Route> {
  return {
    'GET /api/v1/token/inspect': async (req, res) => {
      const grant = await identity.bearerGrant(req);
      if (!grant) return envelope(res, 401, 'Could not authenticate.');
      const memberships = grant.projects.flatMap((name) => {
        const p = identity.project(name);
        return p ? [{ projectUrlName: p.urlName, groups: [...p.groups] }] : [];
      });
      json(res, 200, {
        subject: grant.subject,
        projects: memberships,
        capabilities: [
          { groupsAcl: { actions: ['LIST'], scope: { all: {} } }, projectScope: { projects: grant.projects } },
          { assetsAcl: { actions: ['READ'], scope: { all: {} } }, projectScope: { projects: grant.projects } },
        ],
      });
    },
    'GET /api/v1/projects': async (req, res) => {
      const grant = await identity.grant(req);
      if (!grant) return envelope(res, 401, 'Could not authenticate.');
      json(res, 200, { items: grant.projects.map((urlName) => ({ urlName })) });
    },
  };
}

const ASSETS = /^\/api\/v1\/projects\/([^/]+)\/assets(\/list)?$/;

/** `/api/v1/projects/{project}/assets`: the protected resource. 401 without credentials, 403 without access. */
export function assetsRoute(identity: Identity, req: IncomingMessage, url: URL): Route | undefined {
  const match = ASSETS.exec(url.pathname);
  if (!match?.[1] || !(req.method === 'GET' || (req.method === 'POST' && match[2]))) return undefined;
  const name = decodeURIComponent(match[1]);
  return async (_req, res: ServerResponse) => {
    const grant = await identity.grant(req);
    if (!grant) return envelope(res, 401, 'Unauthorized');
    if (!grant.projects.some((p) => p.toLowerCase() === name.toLowerCase())) return envelope(res, 403, 'Forbidden');
    json(res, 200, { items: [{ id: 1, externalId: 'pump-1', name: 'Pump 1', rootId: 1 }] });
  };
}
