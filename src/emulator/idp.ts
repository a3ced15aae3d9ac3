/**
 * The emulator's identity provider: panva's `oidc-provider`, real, on its own loopback port, with an
 * interaction handler that completes login and consent without a person (headless) or shows a small
 * sign-in page (interactive).
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { EmulatorUser } from './config.js';
import { type FaultQueue, playFault } from './faults.js';

/** What the next sign-in at the IdP does, in headless mode. */
export type NextLogin = { readonly approve: string } | { readonly deny: true };

/** A client registered at the IdP. */
interface IdpClient {
  readonly client_id: string;
  readonly [key: string]: unknown;
}

export interface StartedIdp {
  readonly issuer: string;
  /** The private signing key (JWK with `kid`), for tests that forge tokens. */
  readonly privateJwk: JWK;
  /** The public JWKS as the IdP serves it. */
  readonly publicJwks: { keys: JWK[] };
  setNextLogin(next: NextLogin): void;
  close(): Promise<void>;
}

export interface IdpOptions {
  readonly host: string;
  readonly port: number;
  readonly headless: boolean;
  readonly users: readonly EmulatorUser[];
  readonly clients: readonly IdpClient[];
  /** Resource servers (audience URLs) whose access tokens are JWTs. */
  readonly resourceServers: readonly string[];
  readonly accessTokenTtlSeconds: number;
  readonly deviceCodeTtlSeconds: number;
  /** Faults with `on: 'idp'` apply here. */
  readonly faults: FaultQueue;
  /** Responses a stall fault holds open, ended when the emulator closes. */
  readonly stalled: Set<ServerResponse>;
  /** Every request the IdP received (method and path, no query or body). */
  readonly requests: Array<{ method: string; path: string }>;
}

export async function startIdp(options: IdpOptions): Promise<StartedIdp> {
  // oidc-provider (and its Koa stack) is loaded here only, so the client side never pulls it in.
  const { default: Provider } = await import('oidc-provider');
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
  const issuer = `http://${options.host}:${(server.address() as AddressInfo).port}`;
  let nextLogin: NextLogin = { approve: options.users[0]?.id ?? 'alice' };
  const usersById = new Map(options.users.map((user) => [user.id, user]));
  const resourceServers = new Set(options.resourceServers);

  const provider = new Provider(issuer, {
    clients: options.clients.map((client) => ({ ...client })),
    jwks: { keys: [privateJwk] },
    cookies: { keys: [randomBytes(24).toString('base64url')] },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'api:read'],
    // Refresh tokens for every client allowed the grant, as Entra does with offline_access: no
    // prompt=consent dance for the emulator's own first-party clients.
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(grant: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    findAccount: async (_ctx: unknown, id: string) => {
      const user = usersById.get(id);
      if (!user) return undefined;
      return {
        accountId: id,
        claims: async () => ({ sub: id, name: user.name, email: user.email, email_verified: true }),
      };
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: {
        enabled: true,
        userCodeConfirmSource: async (
          ctx: { body: string },
          form: string,
          _client: unknown,
          _info: unknown,
          userCode: string,
        ) => {
          ctx.body = page(
            'Confirm the code',
            `<p>Sign in on the device showing <b>${escapeHtml(userCode)}</b>?</p>${form}<button autofocus type="submit" form="op.deviceConfirmForm">Continue</button> <button type="submit" form="op.deviceConfirmForm" value="yes" name="abort">Cancel</button>`,
          );
        },
        successSource: async (ctx: { body: string }) => {
          ctx.body = page('Signed in', '<p>Signed in. You can return to your device.</p>');
        },
      },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx: unknown, _client: unknown, oneOf?: string[]) =>
          oneOf?.[0] ?? options.resourceServers[0] ?? undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resourceIndicator: string) => {
          if (!resourceServers.has(resourceIndicator)) throw new Error('unknown resource server');
          return {
            scope: 'api:read',
            audience: resourceIndicator,
            accessTokenTTL: options.accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    ttl: {
      AccessToken: options.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      ClientCredentials: options.accessTokenTtlSeconds,
      DeviceCode: options.deviceCodeTtlSeconds,
      Grant: 3600,
      IdToken: options.accessTokenTtlSeconds,
      Interaction: 600,
      RefreshToken: 86_400,
      Session: 3600,
    },
    renderError: async (ctx: { type: string; body: string }, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = page(
        'Sign-in error',
        `<p>${escapeHtml(out.error ?? 'error')}: ${escapeHtml(out.error_description ?? '')}</p>`,
      );
    },
  } as never);
  const callback = provider.callback();

  const interaction = async (req: IncomingMessage, res: ServerResponse) => {
    const details = await provider.interactionDetails(req, res);
    const url = new URL(req.url ?? '/', issuer);
    let decision: NextLogin = nextLogin;
    if (!options.headless) {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(loginPage(url.pathname, options.users, details.prompt.name));
        return;
      }
      const form = new URLSearchParams(await readBody(req));
      decision = form.get('action') === 'deny' ? { deny: true } : { approve: form.get('user') ?? '' };
    }
    if ('deny' in decision) {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The user declined to sign in.' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (details.prompt.name === 'login') {
      const accountId = usersById.has(decision.approve) ? decision.approve : (options.users[0]?.id ?? 'alice');
      await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
      return;
    }
    // Consent: grant what the client asked for; the emulator's clients are all first-party.
    const { prompt, params, session, grantId } = details as unknown as {
      prompt: {
        details: {
          missingOIDCScope?: string[];
          missingOIDCClaims?: string[];
          missingResourceScopes?: Record<string, string[]>;
        };
      };
      params: { client_id: string };
      session: { accountId: string };
      grantId?: string;
    };
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (!grant) throw new Error('grant vanished');
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const savedGrantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { consent: { grantId: savedGrantId } },
      { mergeWithLastSubmission: true },
    );
  };

  const idpEnvelope = (out: ServerResponse, status: number, message: string) => {
    out.writeHead(status, { 'content-type': 'application/json' });
    out.end(JSON.stringify({ error: status >= 500 ? 'server_error' : 'invalid_request', error_description: message }));
  };
  handler = (req, res) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
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
    if ((req.url ?? '').startsWith('/interaction/')) {
      interaction(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page('Sign-in error', `<p>${escapeHtml(error instanceof Error ? error.message : 'failed')}</p>`));
      });
      return;
    }
    callback(req, res);
  };

  return {
    issuer,
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

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 65_536) throw new Error('form too large');
  }
  return body;
}

function loginPage(action: string, users: readonly EmulatorUser[], prompt: string): string {
  const options = users
    .map((u) => `<option value="${escapeHtml(u.id)}">${escapeHtml(u.name)} (${escapeHtml(u.id)})</option>`)
    .join('');
  return page(
    'Emulator IdP',
    `<h1>Sign in to the emulator's IdP</h1><p>Step: ${escapeHtml(prompt)}</p>
<form method="post" action="${escapeHtml(action)}"><label>User <select name="user">${options}</select></label>
<button name="action" value="approve" id="approve">Sign in</button> <button name="action" value="deny" id="deny">Deny</button></form>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`;
}

/** Escapes text for HTML. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
