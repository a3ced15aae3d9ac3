/**
 * The emulated CDF auth API (docs/cdf-api.md §7), written from the wire facts and sharing no code
 * with the client side, so that it can catch client bugs.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { EmulatorApiKey, EmulatorProject, EmulatorUser } from './config.js';
import { type FaultQueue, playFault } from './faults.js';
import type { LegacyTokenAuthority } from './legacy-tokens.js';

export interface CdfState {
  readonly baseUrl: string;
  readonly issuer: string;
  readonly cdfClient: { readonly id: string; readonly secret: string };
  readonly projects: readonly EmulatorProject[];
  readonly users: readonly EmulatorUser[];
  readonly apiKeys: EmulatorApiKey[];
  readonly revokedApiKeys: Set<string>;
  readonly legacy: LegacyTokenAuthority;
  readonly legacyTokenTtlSeconds: number;
  readonly faults: FaultQueue;
  readonly requests: Array<{ method: string; path: string }>;
  readonly statusUnauthorizedAs401: boolean;
  readonly stalled: Set<ServerResponse>;
}

interface PendingLogin {
  project: string;
  redirectUrl: string;
  errorRedirectUrl: string;
  used: boolean;
  cookie?: string;
  verifier?: string;
  nonce?: string;
  createdAt: number;
}

const FLOW_TTL_MS = 10 * 60_000;
const COOKIE = 'cdf_login';

/** Creates the request handler of the emulated CDF cluster. */
export function createCdfHandler(state: CdfState): (req: IncomingMessage, res: ServerResponse) => void {
  const pendingById = new Map<string, PendingLogin>();
  const pendingByState = new Map<string, PendingLogin>();
  const jwks = createRemoteJWKSet(new URL(`${state.issuer}/jwks`));
  const project = (name: string | null) =>
    state.projects.find((p) => name !== null && p.urlName.toLowerCase() === name.toLowerCase());

  const prune = () => {
    const cutoff = Date.now() - FLOW_TTL_MS;
    for (const [id, flow] of pendingById) if (flow.createdAt < cutoff) pendingById.delete(id);
    for (const [key, flow] of pendingByState) if (flow.createdAt < cutoff) pendingByState.delete(key);
  };

  /** Who is asking: an API key, a legacy CDF token, or nobody. */
  const caller = async (req: IncomingMessage) => {
    const apiKey = header(req, 'api-key');
    if (apiKey !== undefined) {
      const key = state.apiKeys.find((k) => safeEqual(k.key, apiKey));
      if (!key || state.revokedApiKeys.has(key.key)) return { kind: 'none' as const };
      return { kind: 'apiKey' as const, key };
    }
    const bearer = bearerOf(req);
    if (bearer === undefined) return { kind: 'none' as const };
    const check = await state.legacy.check(bearer);
    if (check.ok) return { kind: 'legacy' as const, claims: check.claims };
    return { kind: 'none' as const };
  };

  const statusBody = (who: Awaited<ReturnType<typeof caller>>) => {
    if (who.kind === 'apiKey') {
      const p = project(who.key.project);
      return {
        user: who.key.serviceAccount,
        loggedIn: true,
        project: who.key.project,
        projectId: p?.projectId ?? -1,
        apiKeyId: who.key.id,
      };
    }
    if (who.kind === 'legacy') {
      return {
        user: who.claims.sub,
        loggedIn: true,
        project: who.claims.project_name,
        projectId: who.claims.project_id,
      };
    }
    return { user: '', loggedIn: false, project: '', projectId: -1 };
  };

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>> = {
    'GET /login/url': async (_req, res, url) => {
      const checked = checkLoginParams(url);
      if ('error' in checked) return envelope(res, 400, checked.error);
      if (!checked.project.hasIdp) return json(res, 200, { data: {} });
      prune();
      const id = randomUUID();
      pendingById.set(id, { ...checked.params, used: false, createdAt: Date.now() });
      json(res, 200, { data: { url: `${state.baseUrl}/login/redirect?flow=${id}` } });
    },
    'GET /login/redirect': async (_req, res, url) => {
      let pending: PendingLogin | undefined;
      const flowId = url.searchParams.get('flow');
      if (flowId !== null) {
        pending = pendingById.get(flowId);
        pendingById.delete(flowId);
        // A login URL is single-use: a second browser replaying it is refused (seed step 7).
        if (!pending || pending.used)
          return envelope(res, 400, 'This login URL is unknown or was already used; fetch a new one.');
      } else {
        const checked = checkLoginParams(url);
        if ('error' in checked) return envelope(res, 400, checked.error);
        pending = { ...checked.params, used: false, createdAt: Date.now() };
      }
      const p = project(pending.project);
      if (!p?.hasIdp) return envelope(res, 400, `Project ${pending.project} has no identity provider configured.`);
      pending.used = true;
      pending.cookie = randomBytes(24).toString('base64url');
      pending.verifier = randomBytes(32).toString('base64url');
      pending.nonce = randomBytes(16).toString('base64url');
      const idpState = randomBytes(24).toString('base64url');
      prune();
      pendingByState.set(idpState, pending);
      const authorize = new URL(`${state.issuer}/auth`);
      authorize.search = new URLSearchParams({
        client_id: state.cdfClient.id,
        response_type: 'code',
        redirect_uri: `${state.baseUrl}/login/callback`,
        scope: 'openid profile email',
        state: idpState,
        nonce: pending.nonce,
        code_challenge: createHash('sha256').update(pending.verifier).digest('base64url'),
        code_challenge_method: 'S256',
      }).toString();
      res.writeHead(303, {
        location: authorize.toString(),
        'set-cookie': `${COOKIE}=${pending.cookie}; HttpOnly; Path=/login; SameSite=Lax; Max-Age=600`,
        'cache-control': 'no-store',
      });
      res.end();
    },
    'GET /login/callback': async (req, res, url) => {
      const idpState = url.searchParams.get('state') ?? '';
      const pending = pendingByState.get(idpState);
      if (!pending) return envelope(res, 400, 'Unknown or expired login state.');
      pendingByState.delete(idpState);
      const fail = (error: string, description: string) =>
        redirect(res, appendParams(pending.errorRedirectUrl, { error, error_description: description }), true);
      // The flow cookie binds the browser that followed the login URL (seed step 7).
      const cookie = cookieOf(req, COOKIE);
      if (!cookie || !pending.cookie || !safeEqual(cookie, pending.cookie)) {
        return fail('invalid_request', 'The login cookie is missing or belongs to another browser.');
      }
      if (url.searchParams.get('iss') !== state.issuer)
        return fail('invalid_request', 'The IdP response came from an unexpected issuer.');
      const idpError = url.searchParams.get('error');
      if (idpError !== null)
        return fail(idpError, url.searchParams.get('error_description') ?? 'The IdP refused the sign-in.');
      const code = url.searchParams.get('code');
      if (!code) return fail('invalid_request', 'The IdP response carried no code.');
      const tokenResponse = await fetch(`${state.issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(state.cdfClient.id)}:${encodeURIComponent(state.cdfClient.secret)}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: `${state.baseUrl}/login/callback`,
          code_verifier: pending.verifier ?? '',
        }),
      });
      const tokens = (await tokenResponse.json().catch(() => ({}))) as { id_token?: string };
      if (!tokenResponse.ok || typeof tokens.id_token !== 'string')
        return fail('server_error', 'The IdP did not issue tokens.');
      let sub: string;
      try {
        const { payload } = await jwtVerify(tokens.id_token, jwks, {
          issuer: state.issuer,
          audience: state.cdfClient.id,
        });
        if (payload.nonce !== pending.nonce || typeof payload.sub !== 'string') throw new Error('nonce');
        sub = payload.sub;
      } catch {
        return fail('server_error', 'The IdP ID token did not verify.');
      }
      const p = project(pending.project);
      const user = state.users.find((u) => u.id === sub);
      if (!p || !user?.projects.some((name) => name.toLowerCase() === p.urlName.toLowerCase())) {
        return fail('access_denied', `User ${sub} has no access to project ${pending.project}.`);
      }
      const minted = await state.legacy.mint({
        sub,
        project: p.urlName,
        projectId: p.projectId,
        groups: p.groups,
        ttlSeconds: state.legacyTokenTtlSeconds,
      });
      redirect(
        res,
        appendParams(pending.redirectUrl, { access_token: minted.accessToken, id_token: minted.idToken }),
        true,
      );
    },
    'GET /login/status': async (req, res) => {
      const who = await caller(req);
      if (who.kind === 'none' && state.statusUnauthorizedAs401) return envelope(res, 401, 'Could not authenticate.');
      json(res, 200, { data: statusBody(who) });
    },
    'GET /login/token': async (_req, res, url) => {
      const token = url.searchParams.get('token') ?? '';
      const check = await state.legacy.check(token);
      const valid = check.ok || check.reason === 'expired' || check.reason === 'revoked';
      json(res, 200, { data: { token, valid, expired: !check.ok && check.reason === 'expired' } });
    },
    'GET /login/userinfo': async (req, res) => {
      const who = await caller(req);
      if (who.kind !== 'legacy') return envelope(res, 401, 'Could not authenticate.');
      const { sub, project_name, groups, signing_key, exp } = who.claims;
      json(res, 200, { sub, project_name, groups, signing_key, exp });
    },
    'GET /logout/url': async (req, res) => {
      const who = await caller(req);
      if (who.kind === 'none') return envelope(res, 401, 'Could not authenticate.');
      // The IdP's own logout page; `redirectUrl` is accepted but not honoured (no registered URIs).
      const logout = new URL(`${state.issuer}/session/end`);
      logout.searchParams.set('client_id', state.cdfClient.id);
      json(res, 200, { data: { url: logout.toString() } });
    },
    'GET /logout': async (req, res) => {
      const who = await caller(req);
      if (who.kind === 'legacy') state.legacy.revokeSession(who.claims.sessionTicket);
      res.setHeader('set-cookie', `${COOKIE}=; HttpOnly; Path=/login; Max-Age=0`);
      json(res, 200, { data: { user: '', loggedIn: false, project: '', projectId: -1 } });
    },
    'GET /api/v1/token/inspect': async (req, res) => {
      const identity = await bearerIdentity(req);
      if (!identity) return envelope(res, 401, 'Could not authenticate.');
      const memberships = identity.projects.flatMap((name) => {
        const p = project(name);
        return p ? [{ projectUrlName: p.urlName, groups: [...p.groups] }] : [];
      });
      json(res, 200, {
        subject: identity.subject,
        projects: memberships,
        capabilities: [
          { groupsAcl: { actions: ['LIST'], scope: { all: {} } }, projectScope: { projects: identity.projects } },
          { assetsAcl: { actions: ['READ'], scope: { all: {} } }, projectScope: { projects: identity.projects } },
        ],
      });
    },
    'GET /api/v1/projects': async (req, res) => {
      const who = await caller(req);
      const identity = who.kind === 'apiKey' ? { projects: [who.key.project] } : await bearerIdentity(req);
      if (!identity) return envelope(res, 401, 'Could not authenticate.');
      json(res, 200, { items: identity.projects.map((urlName) => ({ urlName })) });
    },
  };

  /** The identity behind a Bearer token: a legacy CDF token or an IdP-issued JWT access token. */
  const bearerIdentity = async (req: IncomingMessage) => {
    const bearer = bearerOf(req);
    if (bearer === undefined) return undefined;
    const legacy = await state.legacy.check(bearer);
    if (legacy.ok) return { subject: legacy.claims.sub, projects: [legacy.claims.project_name] };
    try {
      const { payload } = await jwtVerify(bearer, jwks, { issuer: state.issuer, audience: state.baseUrl });
      const subject = typeof payload.sub === 'string' ? payload.sub : String(payload.client_id ?? '');
      const user = state.users.find((u) => u.id === subject);
      const projects = user ? [...user.projects] : state.projects.map((p) => p.urlName);
      return { subject, projects };
    } catch {
      return undefined;
    }
  };

  /** `/api/v1/projects/{project}/assets`: the protected resource. 401 without credentials, 403 without access. */
  const resource = async (req: IncomingMessage, res: ServerResponse, name: string) => {
    const who = await caller(req);
    const identity = who.kind === 'apiKey' ? { projects: [who.key.project] } : await bearerIdentity(req);
    if (!identity) return envelope(res, 401, 'Unauthorized');
    if (!identity.projects.some((p) => p.toLowerCase() === name.toLowerCase())) return envelope(res, 403, 'Forbidden');
    json(res, 200, { items: [{ id: 1, externalId: 'pump-1', name: 'Pump 1', rootId: 1 }] });
  };

  return (req, res) => {
    const url = new URL(req.url ?? '/', state.baseUrl);
    state.requests.push({ method: req.method ?? 'GET', path: url.pathname });
    res.setHeader('x-request-id', randomUUID());
    cors(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const fault = state.faults.take(url.pathname);
    const run = async () => {
      if (await playFault(fault, res, state.stalled, envelope)) return;
      const route = routes[`${req.method} ${url.pathname}`];
      if (route) return route(req, res, url);
      const match = /^\/api\/v1\/projects\/([^/]+)\/assets(\/list)?$/.exec(url.pathname);
      if (match?.[1] && (req.method === 'GET' || (req.method === 'POST' && match[2]))) {
        return resource(req, res, decodeURIComponent(match[1]));
      }
      envelope(res, 404, `No route ${req.method} ${url.pathname}`);
    };
    run().catch(() => {
      if (!res.headersSent) envelope(res, 500, 'Internal emulator error.');
      else res.end();
    });
  };

  function checkLoginParams(
    url: URL,
  ): { error: string } | { project: EmulatorProject; params: Omit<PendingLogin, 'used' | 'createdAt'> } {
    const p = project(url.searchParams.get('project'));
    if (!p) return { error: 'Unknown project.' };
    const redirectUrl = url.searchParams.get('redirectUrl');
    if (!redirectUrl || !isHttpUrl(redirectUrl)) return { error: 'redirectUrl must be an absolute http(s) URL.' };
    const errorRedirectUrl = url.searchParams.get('errorRedirectUrl') || redirectUrl;
    if (!isHttpUrl(errorRedirectUrl)) return { error: 'errorRedirectUrl must be an absolute http(s) URL.' };
    return { project: p, params: { project: p.urlName, redirectUrl, errorRedirectUrl } };
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function bearerOf(req: IncomingMessage): string | undefined {
  const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header(req, 'authorization') ?? '');
  return match?.[1];
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (header(req, 'cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Appends query parameters before any fragment, keeping the others (docs/cdf-api.md §3.4). */
function appendParams(target: string, params: Record<string, string>): string {
  const url = new URL(target);
  for (const [key, value] of Object.entries(params)) url.searchParams.append(key, value);
  return url.toString();
}

function redirect(res: ServerResponse, location: string, clearCookie: boolean): void {
  res.writeHead(303, {
    location,
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    ...(clearCookie ? { 'set-cookie': `${COOKIE}=; HttpOnly; Path=/login; Max-Age=0` } : {}),
  });
  res.end();
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function envelope(res: ServerResponse, status: number, message: string): void {
  json(res, status, { error: { code: status, message } });
}

function cors(req: IncomingMessage, res: ServerResponse): void {
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
