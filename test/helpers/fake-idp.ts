import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { startTestServer } from './http-server.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/**
 * A real loopback IdP that answers discovery and JWKS itself and lets each test script the token and
 * device endpoints: for answers no well-behaved IdP gives (echoed secrets, 429, HTML, 50 MB, resets).
 */
export async function startFakeIdp(options: { metadata?: (issuer: string) => Record<string, unknown> } = {}) {
  const server = await startTestServer();
  const issuer = server.url;
  const pair = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const handlers = new Map<string, Handler>();
  const hits = new Map<string, number>();
  server.handle((req, res) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      if (path.endsWith('/.well-known/openid-configuration')) {
        json(res, 200, {
          ...fakeIdpMetadata(issuer),
          response_types_supported: ['code'],
          ...options.metadata?.(issuer),
        });
        return;
      }
      if (path === '/jwks') return json(res, 200, { keys: [jwk] });
      const handler = handlers.get(path);
      if (handler) return handler(req, res, body);
      json(res, 404, { error: 'not_found' });
    });
  });
  const now = () => Math.floor(Date.now() / 1000);
  return {
    issuer,
    hits,
    on(path: string, handler: Handler) {
      handlers.set(path, handler);
      hits.delete(path);
    },
    sign: (claims: JWTPayload & Record<string, unknown>, drop: readonly string[] = []) => {
      const all: Record<string, unknown> = {
        iss: issuer,
        sub: 'alice',
        aud: 'cli',
        iat: now(),
        exp: now() + 300,
        ...claims,
      };
      for (const name of drop) delete all[name];
      return new SignJWT(all).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(pair.privateKey);
    },
    close: () => server.close(),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** The discovery document of a fake IdP at `issuer`: its endpoints under the issuer, S256 PKCE. */
export function fakeIdpMetadata(issuer: string) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    device_authorization_endpoint: `${issuer}/device`,
    jwks_uri: `${issuer}/jwks`,
    code_challenge_methods_supported: ['S256'],
  };
}
