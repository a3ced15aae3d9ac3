/**
 * The server driver's routes: each reads the request, calls the sign-in or the sessions, and answers.
 * Every failure is answered here, typed and without a secret; nothing thrown reaches the framework,
 * except from `getToken`, which the app calls and whose `AuthFlowError` it handles.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Failure } from '../../../machines/shared/failure.js';
import { AuthFlowError, isAuthFlowError } from '../../errors/auth-flow-error.js';
import { revokeAt } from '../../session/oidc-session.js';
import { clearCookie, cookieOf, setCookie } from './cookies.js';
import { forward, notForwarded, proxyTarget } from './proxy.js';
import { failure, json, redirect } from './responses.js';
import { csrfTokenOf, signedOut } from './sessions.js';
import { beginSignIn, completeSignIn } from './sign-in.js';
import type { ServerAuth, ServerContext, ServerHandler, SessionInfo } from './types.js';

/** What every route uses: the request's URL on this site, and a failure answered as a page or JSON. */
function toolsOf(context: ServerContext) {
  const startAgain = `${context.basePath}/login`;
  return {
    urlOf: (req: IncomingMessage) => new URL(req.url ?? '/', context.origin),
    answerFailure: (req: IncomingMessage, res: ServerResponse, failed: Failure, extra: readonly string[] = []) =>
      failure(req, res, failed, { startAgain, cookies: extra }),
  };
}

/** `GET /login` and `GET /callback`: the two halves of a sign-in. */
function signInRoutes(context: ServerContext) {
  const { cookies, sessions } = context;
  const { urlOf, answerFailure } = toolsOf(context);
  const login: ServerHandler = guarded(answerFailure, async (req, res) => {
    const returnTo = returnToOf(urlOf(req).searchParams.get('returnTo'), context.origin);
    if (returnTo === null) {
      json(res, 400, {
        error: 'invalidReturnTo',
        message: 'returnTo must be a path of this site, like /reports (no scheme, no host, not //).',
      });
      return;
    }
    const binding = context.newBinding();
    const begun = await beginSignIn(context.signIn, returnTo, binding);
    if ('failure' in begun) return answerFailure(req, res, begun.failure);
    redirect(res, 302, begun.authorizationUrl, [
      setCookie(cookies, cookies.binding, binding, context.policy.callbackTimeoutMs),
    ]);
  });
  const callback: ServerHandler = guarded(answerFailure, async (req, res) => {
    const completed = await completeSignIn(context.signIn, urlOf(req).toString(), cookieOf(req, cookies.binding));
    const dropBinding = clearCookie(cookies, cookies.binding);
    if (completed.status === 'failed') return answerFailure(req, res, completed.failure, [dropBinding]);
    // A new id at every sign-in (no session fixation); the session the browser had before ends.
    const previous = await sessions.find(cookieOf(req, cookies.session));
    if (previous) await sessions.end(previous.key);
    const id = await sessions.create(completed.signIn, context.signIn.project);
    redirect(res, 303, completed.returnTo, [
      dropBinding,
      setCookie(cookies, cookies.session, id, context.policy.absoluteMs),
    ]);
  });
  return { login, callback };
}

/** `GET /session`, `POST /logout`, `getToken` and the proxy: what a signed-in request can do. */
function sessionRoutes(context: ServerContext) {
  const { cookies, sessions } = context;
  const { urlOf, answerFailure } = toolsOf(context);
  const sessionInfo = async (req: IncomingMessage): Promise<SessionInfo> => {
    const id = cookieOf(req, cookies.session);
    const found = await sessions.find(id);
    if (!found || !id) return { status: 'anonymous' };
    const { claims, tokens, project, endsAt } = found.session;
    return {
      status: 'signedIn',
      user: { subject: claims?.sub ?? '', name: claims?.name ?? null, email: claims?.email ?? null },
      project,
      expiresAt: tokens.expiresAt,
      sessionEndsAt: endsAt,
      csrfToken: csrfTokenOf(id),
    };
  };

  const session: ServerHandler = guarded(answerFailure, async (req, res) => {
    json(res, 200, await sessionInfo(req));
  });

  const logout: ServerHandler = guarded(answerFailure, async (req, res) => {
    if (!sameSite(req, context.origin)) {
      json(res, 403, { error: 'crossSite', message: 'Logout is accepted only from pages of this site.' });
      return;
    }
    const id = cookieOf(req, cookies.session);
    const found = await sessions.find(id);
    const dropSession = clearCookie(cookies, cookies.session);
    if (!found || !id) return json(res, 200, { status: 'loggedOut', revoked: 'none' }, [dropSession]);
    const form = await formOf(req);
    const token = req.headers['x-csrf-token'] ?? form.get('csrf');
    if (token !== csrfTokenOf(id)) {
      json(res, 403, {
        error: 'csrf',
        message: 'Send the csrfToken of GET /session as x-csrf-token (or the form field csrf).',
      });
      return;
    }
    await sessions.end(found.key);
    const revoked = await revokeAt(context.signIn.oidc, found.session.tokens, AbortSignal.timeout(10_000)).catch(
      () => 'failed' as const,
    );
    json(res, 200, { status: 'loggedOut', revoked }, [dropSession]);
  });

  const getToken = async (req: IncomingMessage, options: { readonly signal?: AbortSignal } = {}) => {
    const found = await sessions.find(cookieOf(req, cookies.session));
    if (!found) throw signedOut();
    return sessions.accessToken(found, options.signal);
  };

  const proxy: ServerHandler = guarded(answerFailure, async (req, res) => {
    const settings = context.proxy;
    const found = await sessions.find(cookieOf(req, cookies.session));
    if (!settings || !found) return answerFailure(req, res, signedOut().toFailure());
    if (req.method !== 'GET' && req.method !== 'HEAD' && !sameSite(req, context.origin)) {
      json(res, 403, { error: 'crossSite', message: 'Only pages of this site may write through the proxy.' });
      return;
    }
    const target = proxyTarget(settings, urlOf(req), found.session.project);
    if (target === null)
      return json(res, 403, { error: 'forbiddenPath', message: notForwarded(settings, found.session.project) });
    await forward(settings, req, res, target, await sessions.accessToken(found));
  });

  return { session, logout, getToken, sessionInfo, proxy };
}

/** The routes of a server: every handler of {@link ServerAuth}, and `handle`, which routes to them. */
export function routesOf(context: ServerContext): ServerAuth {
  const { basePath } = context;
  const { login, callback } = signInRoutes(context);
  const { session, logout, getToken, sessionInfo, proxy } = sessionRoutes(context);
  const routes: Record<string, { readonly method: string; readonly handler: ServerHandler }> = {
    [`${basePath}/login`]: { method: 'GET', handler: login },
    [`${basePath}/callback`]: { method: 'GET', handler: callback },
    [`${basePath}/logout`]: { method: 'POST', handler: logout },
    [`${basePath}/session`]: { method: 'GET', handler: session },
  };
  const handle: ServerHandler = async (req, res, next) => {
    const { pathname } = new URL(req.url ?? '/', context.origin);
    const route = routes[pathname];
    if (route) {
      if (req.method === route.method || (route.method === 'GET' && req.method === 'HEAD'))
        return route.handler(req, res);
      res.writeHead(405, { allow: route.method }).end();
      return;
    }
    if (context.proxy && pathname.startsWith(`${context.proxy.proxyPath}/`)) return proxy(req, res);
    if (next) return next();
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
  };
  return { handle, login, callback, logout, session, getToken, sessionInfo };
}

/** Runs a route, answering anything it throws as a typed failure (a bug as `internal`, never its text). */
function guarded(
  answerFailure: (req: IncomingMessage, res: ServerResponse, failed: Failure) => void,
  route: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): ServerHandler {
  return async (req, res) => {
    try {
      await route(req, res);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const failed = isAuthFlowError(error)
        ? error.toFailure()
        : new AuthFlowError({
            code: 'internal',
            message: 'The sign-in service failed unexpectedly; try again.',
          }).toFailure();
      answerFailure(req, res, failed);
    }
  };
}

/** A `returnTo` that stays on this site, as a path; `null` for anything else (no open redirect). */
export function returnToOf(raw: string | null, origin: URL): string | null {
  if (raw === null || raw === '') return '/';
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\') || hasControl(raw)) return null;
  const url = new URL(raw, origin);
  if (url.origin !== origin.origin) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** True when `text` holds a control character (a header splitter, a tab that browsers strip). */
const hasControl = (text: string) => [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** A state-changing request from a page of this site: by `Origin`, else by `Sec-Fetch-Site`. */
function sameSite(req: IncomingMessage, origin: URL): boolean {
  const from = req.headers.origin;
  if (from !== undefined) return from === origin.origin;
  const site = req.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin';
}

/** A small urlencoded body (a logout form); anything else reads as empty. */
async function formOf(req: IncomingMessage): Promise<URLSearchParams> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
    return new URLSearchParams();
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 4_096) return new URLSearchParams();
  }
  return new URLSearchParams(text);
}
