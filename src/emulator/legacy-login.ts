/**
 * The emulated legacy login API (docs/cdf-api.md §3): `/login/url` → `/login/redirect` → the IdP →
 * `/login/callback` → the app with `access_token` and `id_token`; and `/login/status`, `/login/token`,
 * `/login/userinfo`, `/logout/url`, `/logout`. CDF is a confidential OIDC client of the IdP here, written
 * by hand on purpose: it shares no code with the client side.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { jwtVerify } from 'jose';
import type { EmulatorProject } from './config.js';
import {
  appendParams,
  cookieOf,
  envelope,
  isHttpUrl,
  json,
  LOGIN_COOKIE,
  type Route,
  redirect,
  safeEqual,
} from './http.js';
import type { Identity } from './identity.js';
import type { CdfState } from './state.js';

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

type LoginParams = Omit<PendingLogin, 'used' | 'createdAt'>;

const FLOW_TTL_MS = 10 * 60_000;

/** The legacy login routes of one emulated cluster. */
export function legacyLoginRoutes(state: CdfState, identity: Identity): Record<string, Route> {
  const pendingById = new Map<string, PendingLogin>();
  const pendingByState = new Map<string, PendingLogin>();
  const prune = () => {
    const cutoff = Date.now() - FLOW_TTL_MS;
    for (const [id, flow] of pendingById) if (flow.createdAt < cutoff) pendingById.delete(id);
    for (const [key, flow] of pendingByState) if (flow.createdAt < cutoff) pendingByState.delete(key);
  };
  const checkParams = (url: URL) => checkLoginParams(url, identity.project);
  return {
    'GET /login/url': async (_req, res, url) => {
      const checked = checkParams(url);
      if ('error' in checked) return envelope(res, 400, checked.error);
      if (!checked.project.hasIdp) return json(res, 200, { data: {} });
      prune();
      const id = randomUUID();
      pendingById.set(id, { ...checked.params, used: false, createdAt: Date.now() });
      json(res, 200, { data: { url: `${state.baseUrl}/login/redirect?flow=${id}` } });
    },
    'GET /login/redirect': async (_req, res, url) => {
      const flowId = url.searchParams.get('flow');
      let pending: PendingLogin | undefined;
      if (flowId !== null) {
        pending = pendingById.get(flowId);
        pendingById.delete(flowId);
        // A login URL is single-use: a second browser replaying it is refused (seed step 7).
        if (!pending || pending.used)
          return envelope(res, 400, 'This login URL is unknown or was already used; fetch a new one.');
      } else {
        const checked = checkParams(url);
        if ('error' in checked) return envelope(res, 400, checked.error);
        pending = { ...checked.params, used: false, createdAt: Date.now() };
      }
      if (!identity.project(pending.project)?.hasIdp)
        return envelope(res, 400, `Project ${pending.project} has no identity provider configured.`);
      prune();
      sendToIdp(state, res, pending, (idpState) => pendingByState.set(idpState, pending));
    },
    'GET /login/callback': async (req, res, url) => {
      const idpState = url.searchParams.get('state') ?? '';
      const pending = pendingByState.get(idpState);
      if (!pending) return envelope(res, 400, 'Unknown or expired login state.');
      pendingByState.delete(idpState);
      const fail = (error: string, description: string) =>
        redirect(res, appendParams(pending.errorRedirectUrl, { error, error_description: description }), true);
      // The flow cookie binds the browser that followed the login URL (seed step 7).
      const cookie = cookieOf(req, LOGIN_COOKIE);
      if (!cookie || !pending.cookie || !safeEqual(cookie, pending.cookie)) {
        return fail('invalid_request', 'The login cookie is missing or belongs to another browser.');
      }
      const signedIn = await subjectOfCallback(state, identity, pending, url);
      if ('error' in signedIn) return fail(signedIn.error, signedIn.description);
      const p = identity.project(pending.project);
      const user = state.users.find((u) => u.id === signedIn.sub);
      if (!p || !user?.projects.some((name) => name.toLowerCase() === p.urlName.toLowerCase())) {
        return fail('access_denied', `User ${signedIn.sub} has no access to project ${pending.project}.`);
      }
      const minted = await state.legacy.mint({
        sub: signedIn.sub,
        project: p.urlName,
        projectId: p.projectId,
        groups: p.groups,
        ttlSeconds: state.legacyTokenTtlSeconds,
      });
      const back = appendParams(pending.redirectUrl, { access_token: minted.accessToken, id_token: minted.idToken });
      redirect(res, back, true);
    },
    ...sessionRoutes(state, identity),
  };
}

/** The legacy session's routes: status, token check, userinfo and logout. */
function sessionRoutes(state: CdfState, identity: Identity): Record<string, Route> {
  return {
    'GET /login/status': async (req, res) => {
      const who = await identity.caller(req);
      if (who.kind === 'none' && state.statusUnauthorizedAs401) return envelope(res, 401, 'Could not authenticate.');
      json(res, 200, { data: identity.statusBody(who) });
    },
    'GET /login/token': async (_req, res, url) => {
      const token = url.searchParams.get('token') ?? '';
      const check = await state.legacy.check(token);
      const valid = check.ok || check.reason === 'expired' || check.reason === 'revoked';
      json(res, 200, { data: { token, valid, expired: !check.ok && check.reason === 'expired' } });
    },
    'GET /login/userinfo': async (req, res) => {
      const who = await identity.caller(req);
      if (who.kind !== 'legacy') return envelope(res, 401, 'Could not authenticate.');
      const { sub, project_name, groups, signing_key, exp } = who.claims;
      json(res, 200, { sub, project_name, groups, signing_key, exp });
    },
    'GET /logout/url': async (req, res) => {
      const who = await identity.caller(req);
      if (who.kind === 'none') return envelope(res, 401, 'Could not authenticate.');
      // The IdP's own logout page; `redirectUrl` is accepted but not honoured (no registered URIs).
      const logout = new URL(state.idpEndpoints.endSession);
      logout.searchParams.set('client_id', state.cdfClient.id);
      json(res, 200, { data: { url: logout.toString() } });
    },
    'GET /logout': async (req, res) => {
      const who = await identity.caller(req);
      if (who.kind === 'legacy') state.legacy.revokeSession(who.claims.sessionTicket);
      res.setHeader('set-cookie', `${LOGIN_COOKIE}=; HttpOnly; Path=/login; Max-Age=0`);
      json(res, 200, { data: { user: '', loggedIn: false, project: '', projectId: -1 } });
    },
  };
}

function checkLoginParams(
  url: URL,
  project: Identity['project'],
): { error: string } | { project: EmulatorProject; params: LoginParams } {
  const p = project(url.searchParams.get('project'));
  if (!p) return { error: 'Unknown project.' };
  const redirectUrl = url.searchParams.get('redirectUrl');
  if (!redirectUrl || !isHttpUrl(redirectUrl)) return { error: 'redirectUrl must be an absolute http(s) URL.' };
  const errorRedirectUrl = url.searchParams.get('errorRedirectUrl') || redirectUrl;
  if (!isHttpUrl(errorRedirectUrl)) return { error: 'errorRedirectUrl must be an absolute http(s) URL.' };
  return { project: p, params: { project: p.urlName, redirectUrl, errorRedirectUrl } };
}

/** Marks the login used, binds it to this browser by cookie, and sends the browser to the IdP (code + PKCE). */
function sendToIdp(state: CdfState, res: ServerResponse, pending: PendingLogin, remember: (idpState: string) => void) {
  pending.used = true;
  pending.cookie = randomBytes(24).toString('base64url');
  pending.verifier = randomBytes(32).toString('base64url');
  pending.nonce = randomBytes(16).toString('base64url');
  const idpState = randomBytes(24).toString('base64url');
  remember(idpState);
  const authorize = new URL(state.idpEndpoints.authorize);
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
    'set-cookie': `${LOGIN_COOKIE}=${pending.cookie}; HttpOnly; Path=/login; SameSite=Lax; Max-Age=600`,
    'cache-control': 'no-store',
  });
  res.end();
}

/** Redeems the IdP's callback at its token endpoint and verifies the ID token: the person's subject. */
async function subjectOfCallback(
  state: CdfState,
  identity: Identity,
  pending: PendingLogin,
  url: URL,
): Promise<{ sub: string } | { error: string; description: string }> {
  // RFC 9207, where the IdP sends it (Entra does not).
  const iss = url.searchParams.get('iss');
  if (iss === null ? state.issParameter : iss !== state.issuer)
    return { error: 'invalid_request', description: 'The IdP response came from an unexpected issuer.' };
  const idpError = url.searchParams.get('error');
  if (idpError !== null)
    return {
      error: idpError,
      description: url.searchParams.get('error_description') ?? 'The IdP refused the sign-in.',
    };
  const code = url.searchParams.get('code');
  if (!code) return { error: 'invalid_request', description: 'The IdP response carried no code.' };
  const { id, secret } = state.cdfClient;
  const tokenResponse = await fetch(state.idpEndpoints.token, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`,
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
    return { error: 'server_error', description: 'The IdP did not issue tokens.' };
  try {
    const { payload } = await jwtVerify(tokens.id_token, identity.jwks, { issuer: state.issuer, audience: id });
    if (payload.nonce !== pending.nonce || typeof payload.sub !== 'string') throw new Error('nonce');
    return { sub: payload.sub };
  } catch {
    return { error: 'server_error', description: 'The IdP ID token did not verify.' };
  }
}
