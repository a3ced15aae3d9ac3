/**
 * A web backend for the server driver's tests: `createServerAuth` against the emulator, mounted on
 * `node:http`, Express or Fastify, with one app route that calls CDF with `getToken(req)`; and a person's
 * browser (an HTTP client with a cookie jar) to sign in through it.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { CookieJar } from 'tough-cookie';
import { followRedirects } from '../../src/drivers/node/headless-browser.js';
import { createServerAuth, type ServerAuthOptions } from '../../src/drivers/server/server-auth.js';
import type { ServerAuth } from '../../src/drivers/server/types.js';
import type { Emulator } from '../../src/emulator/index.js';

/** The server options of the emulator's confidential `webapp` client for an app on `port`. */
export const webAppOptions = (emulator: Emulator, port: number, extra: Partial<ServerAuthOptions> = {}) =>
  ({
    origin: `http://127.0.0.1:${port}`,
    baseUrl: emulator.baseUrl,
    project: emulator.projects[0]?.urlName ?? 'demo',
    issuer: emulator.issuer,
    clientId: emulator.clients.web.id,
    clientSecret: emulator.clients.web.secret,
    ...extra,
  }) satisfies ServerAuthOptions;

/** The app route that calls CDF server-side: `/me` answers what token/inspect says (never the token). */
async function me(auth: ServerAuth, baseUrl: string, req: IncomingMessage, res: ServerResponse) {
  try {
    const token = await auth.getToken(req);
    const answer = await fetch(`${baseUrl}/api/v1/token/inspect`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await answer.json()) as { subject?: string; projects?: Array<{ projectUrlName: string }> };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ subject: body.subject, projects: body.projects?.map((p) => p.projectUrlName) }));
  } catch (error) {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: (error as { code?: string }).code }));
  }
}

/** Which framework the app is mounted on. */
export type Framework = 'node:http' | 'express' | 'fastify';

/** Starts the app on `port` with `framework`; resolves with its auth and how to close it. */
export async function startApp(framework: Framework, port: number, options: ServerAuthOptions) {
  const auth = createServerAuth(options);
  const app = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/me') return void me(auth, options.baseUrl, req, res);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`page ${req.url}`);
  };
  if (framework === 'fastify') {
    const fastify = Fastify();
    // Before Fastify parses a body: the auth routes read their own.
    fastify.addHook('onRequest', (request, reply, done) => {
      if (!request.url.startsWith('/auth/') && !request.url.startsWith('/cdf/')) return done();
      reply.hijack();
      void auth.handle(request.raw, reply.raw);
    });
    fastify.get('/me', (request, reply) => {
      reply.hijack();
      void me(auth, options.baseUrl, request.raw, reply.raw);
    });
    fastify.get('/*', async (request) => `page ${request.url}`);
    await fastify.listen({ port, host: '127.0.0.1' });
    return { auth, close: () => fastify.close() };
  }
  const server =
    framework === 'express'
      ? http.createServer(express().use(auth.handle).use(app))
      : http.createServer((req, res) => void auth.handle(req, res, () => app(req, res)));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    auth,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A person's browser: a cookie jar and redirects followed, as a browser does on pages that only redirect. */
export function personBrowser(origin: string) {
  const jar = new CookieJar();
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const url = new URL(path, origin).toString();
    const cookie = await jar.getCookieString(url);
    const response = await fetch(url, { redirect: 'manual', headers: { ...headers, ...(cookie ? { cookie } : {}) } });
    for (const set of response.headers.getSetCookie()) await jar.setCookie(set, url);
    return response;
  };
  return {
    jar,
    get,
    /** Signs in from `{origin}/auth/login?returnTo=…`, through the IdP, back to the app; the last URL. */
    signIn: (returnTo = '/', until?: (url: string) => boolean) =>
      followRedirects(new URL(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`, origin).toString(), {
        jar,
        timeoutMs: 60_000,
        ...(until ? { until } : {}),
      }),
    /** POSTs with the jar's cookies, as a page of `from` (its `Origin`). */
    async post(path: string, headers: Record<string, string> = {}, body?: string) {
      const url = new URL(path, origin).toString();
      const cookie = await jar.getCookieString(url);
      const response = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin, ...headers, ...(cookie ? { cookie } : {}) },
        ...(body === undefined ? {} : { body }),
      });
      for (const set of response.headers.getSetCookie()) await jar.setCookie(set, url);
      return response;
    },
    async cookie(name: string) {
      return (await jar.getCookies(origin)).find((c) => c.key === name) ?? null;
    },
  };
}
