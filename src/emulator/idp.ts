/**
 * The emulator's identity provider: panva's `oidc-provider`, real, on its own loopback port, with an
 * interaction handler that completes login and consent without a person (headless) or shows a small
 * sign-in page (interactive).
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify } from 'jose';
import { playFault } from './faults.js';
import { providerConfiguration } from './idp-config.js';
import { interactionHandler } from './idp-interaction.js';
import type { IdpOptions, NextLogin, StartedIdp } from './idp-options.js';
import { deviceLinkPage, errorPage } from './idp-pages.js';

/** Whether oidc-provider has a client with this id. */
const isClientOf =
  (provider: { Client: { find(id: string): Promise<unknown> } }) =>
  async (id: string): Promise<boolean> =>
    id !== '' && Boolean(await provider.Client.find(id).catch(() => undefined));

/** Starts the IdP on its own port; resolves once it listens. */
export async function startIdp(options: IdpOptions): Promise<StartedIdp> {
  // oidc-provider (and its Koa stack) is loaded here only, so the client side never pulls it in.
  const { default: Provider, errors } = await import('oidc-provider');
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const privateJwk: JWK = {
    ...(await exportJWK(privateKey)),
    kid: `emulator-${randomBytes(4).toString('hex')}`,
    alg: 'RS256',
    use: 'sig',
  };
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const origin = `http://${options.host}:${(server.address() as AddressInfo).port}`;
  const issuer = options.profile.issuerOf(origin);
  let nextLogin: NextLogin = { approve: options.users[0]?.id ?? 'alice' };

  const provider = new Provider(issuer, providerConfiguration(options, privateJwk, errors as never) as never);
  provider.use(options.profile.middleware(origin, isClientOf(provider)) as never);
  provider.use(deviceLinkPages as never);
  const routes = options.profile.routes;
  const callback = provider.callback();

  const interaction = interactionHandler(provider, options, origin, () => nextLogin);
  const organizationProjects = organizationProjectsApi(options, issuer, await importJWK(publicJwk, 'RS256'));

  handler = (req, res) => {
    const path = new URL(req.url ?? '/', origin).pathname;
    options.requests.push({ method: req.method ?? 'GET', path });
    const fault = options.faults.take(path, 'idp');
    if (fault) {
      playFault(fault, res, options.stalled, idpEnvelope)
        .then((answered) => {
          if (!answered) route(req, res);
        })
        .catch(() => res.destroy());
      return;
    }
    route(req, res);
  };
  const route = (req: IncomingMessage, res: ServerResponse) => {
    const orgProjects = /^\/api\/v1\/orgs\/([^/?]+)\/projects$/.exec(new URL(req.url ?? '/', origin).pathname);
    if (orgProjects && options.profile.organization) {
      organizationProjects(req, res, decodeURIComponent(orgProjects[1] ?? '')).catch(() => res.destroy());
      return;
    }
    if ((req.url ?? '').startsWith('/interaction/')) {
      interaction(req, res).catch((error: unknown) => interactionFailed(res, error));
      return;
    }
    callback(req, res);
  };

  return {
    issuer,
    endpoints: {
      authorize: `${origin}${routes.authorization ?? '/auth'}`,
      token: `${origin}${routes.token ?? '/token'}`,
      jwks: `${origin}${routes.jwks ?? '/jwks'}`,
      endSession: `${origin}${routes.end_session ?? '/session/end'}`,
    },
    privateJwk,
    publicJwks: { keys: [publicJwk] },
    setNextLogin(next) {
      nextLogin = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An interaction that failed unexpectedly: the emulator's error page, its message and no stack. */
function interactionFailed(res: ServerResponse, error: unknown): void {
  if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  const description = error instanceof Error ? error.message : 'the sign-in failed';
  res.end(errorPage({ client: null, error: 'server_error', description }));
}

/** The part of a Koa context the device link reads. */
interface DeviceLinkContext {
  readonly method: string;
  readonly status: number;
  readonly query: Record<string, unknown>;
  body: unknown;
  readonly oidc: {
    readonly route?: string;
    readonly session?: { readonly state?: { readonly secret?: unknown } };
    urlFor(route: string): string;
  };
}

/**
 * A device link (`verification_uri_complete`) carries the code: oidc-provider answers with its own bare
 * self-submitting form; the emulator's page submits the same fields (its xsrf and the code).
 */
async function deviceLinkPages(ctx: DeviceLinkContext, next: () => Promise<void>): Promise<void> {
  await next();
  const userCode = ctx.query.user_code;
  if (ctx.method !== 'GET' || ctx.status !== 200 || typeof userCode !== 'string') return;
  if (ctx.oidc.route !== 'code_verification') return;
  const xsrf = ctx.oidc.session?.state?.secret;
  if (typeof xsrf === 'string') ctx.body = deviceLinkPage(ctx.oidc.urlFor('code_verification'), xsrf, userCode);
}

/**
 * Cognite IdP's `GET /api/v1/orgs/{org}/projects`: with an access token this IdP issued, the projects of
 * the organization that its subject reaches, as `{ items: [{ name, apiUrl }] }`.
 */
function organizationProjectsApi(options: IdpOptions, issuer: string, publicKey: CryptoKey | Uint8Array) {
  return async (req: IncomingMessage, res: ServerResponse, org: string) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return answer(405, { error: { code: 405, message: 'Method not allowed' } });
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    let subject: string | undefined;
    try {
      const { payload } = await jwtVerify(bearer ?? '', publicKey, { issuer });
      subject = typeof payload.sub === 'string' ? payload.sub : undefined;
    } catch {
      return answer(401, { error: { code: 401, message: 'Unauthorized' } });
    }
    if (org !== options.profile.organization || !subject) {
      return answer(403, { error: { code: 403, message: 'Not a member of this organization' } });
    }
    return answer(200, { items: options.organizationProjects?.(subject) ?? [] });
  };
}

/** A fault's answer in the IdP's shape: an OAuth error body. */
function idpEnvelope(out: ServerResponse, status: number, message: string): void {
  out.writeHead(status, { 'content-type': 'application/json' });
  out.end(JSON.stringify({ error: status >= 500 ? 'server_error' : 'invalid_request', error_description: message }));
}
