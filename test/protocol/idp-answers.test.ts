/** What the OIDC client does with IdP answers that no well-behaved IdP gives, on a real loopback IdP. */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcClient, type OidcClientOptions } from '../../src/protocol/oidc.js';
import { sessionFor } from '../../src/session/oidc-session.js';
import { failureOf } from '../helpers/failure.js';
import { json, startFakeIdp } from '../helpers/fake-idp.js';

let idp: Awaited<ReturnType<typeof startFakeIdp>>;
beforeAll(async () => {
  idp = await startFakeIdp();
});
afterAll(() => idp.close());

const client = (over: Partial<OidcClientOptions> = {}) =>
  createOidcClient({ issuer: idp.issuer, clientId: 'cli', timeoutMs: 10_000, ...over });
/** Everything a person or a log could see of an error: message, inspect (with its causes), JSON. */
const everything = (error: unknown) => `${String(error)}\n${inspect(error, { depth: 10 })}\n${JSON.stringify(error)}`;
const callback = (code: string) => `http://127.0.0.1:1/callback?code=${code}&state=st`;
const exchange = (c = client(), code = 'the-code-0123456789', verifier = 'v'.repeat(43)) =>
  c.exchangeCode({
    callbackUrl: callback(code),
    redirectUri: 'http://127.0.0.1:1/callback',
    state: 'st',
    codeVerifier: verifier,
    nonce: 'n',
  });
const tokens = (idToken?: string, extra: object = {}) => ({
  access_token: 'at-0123456789',
  token_type: 'Bearer',
  expires_in: 300,
  ...(idToken ? { id_token: idToken } : {}),
  ...extra,
});

describe('IdP error text is scrubbed of every secret the flow holds', () => {
  it('a refresh token the IdP echoes appears in no message, inspect or cause', async () => {
    const refreshToken = 'rt-secret-8f3a9c2e71b4';
    idp.on('/token', (_req, res) =>
      json(res, 400, { error: 'invalid_grant', error_description: `refresh token ${refreshToken} is revoked` }),
    );
    const error = await failureOf(client().refresh(refreshToken));
    expect(error.code).toBe('invalidGrant');
    expect(everything(error)).not.toContain(refreshToken);
    expect(error.message).toContain('is revoked');
  });

  it('a client secret, an authorization code and a PKCE verifier the IdP echoes appear nowhere', async () => {
    const secret = 'cs-secret-4c1d0e9b';
    idp.on('/token', (_req, res) =>
      json(res, 401, { error: 'invalid_client', error_description: `secret ${secret} does not match` }),
    );
    const bad = await failureOf(client({ clientSecret: secret }).clientCredentials({ scope: 's' }));
    expect(bad.code).toBe('clientRejected');
    expect(everything(bad)).not.toContain(secret);

    const code = 'code-secret-77aa66bb55';
    const verifier = `verifier-secret-${'x'.repeat(40)}`;
    idp.on('/token', (_req, res) =>
      json(res, 400, { error: 'invalid_grant', error_description: `code ${code} with verifier ${verifier} unknown` }),
    );
    const refused = await failureOf(exchange(client(), code, verifier));
    expect(everything(refused)).not.toContain(code);
    expect(everything(refused)).not.toContain(verifier);
  });

  it('a device code the IdP echoes appears nowhere', async () => {
    const deviceCode = 'dc-secret-3e3e3e3e3e';
    idp.on('/token', (_req, res) =>
      json(res, 400, { error: 'invalid_request', error_description: `device_code ${deviceCode} malformed` }),
    );
    const error = await failureOf(client().pollDeviceCode(deviceCode));
    expect(everything(error)).not.toContain(deviceCode);
  });
});

describe('ID-token claims', () => {
  it('an ID token issued in the future is refused with idTokenInvalid', async () => {
    const future = await idp.sign({
      iat: Math.floor(Date.now() / 1000) + 3_600,
      exp: Math.floor(Date.now() / 1000) + 7_200,
    });
    const error = await failureOf(client().validateIdToken(future, { nonce: null }));
    expect(error.code).toBe('idTokenInvalid');
    expect(error.message).toMatch(/iat|future/);
  });

  it('within the allowed skew, an iat a little ahead is accepted', async () => {
    const ahead = await idp.sign({ iat: Math.floor(Date.now() / 1000) + 20 });
    expect((await client().validateIdToken(ahead, { nonce: null })).sub).toBe('alice');
  });

  for (const claim of ['aud', 'sub', 'iat', 'nonce']) {
    it(`a code exchange whose ID token lacks ${claim} fails with idTokenInvalid`, async () => {
      const idToken = await idp.sign({ nonce: 'n' }, [claim]);
      idp.on('/token', (_req, res) => json(res, 200, tokens(idToken)));
      expect((await failureOf(exchange())).code).toBe('idTokenInvalid');
    });
  }

  it('a refresh whose ID token was issued in the future ends the session with idTokenInvalid', async () => {
    const first = await idp.sign({});
    const future = await idp.sign({
      iat: Math.floor(Date.now() / 1000) + 3_600,
      exp: Math.floor(Date.now() / 1000) + 7_200,
    });
    idp.on('/token', (_req, res) => json(res, 200, tokens(future, { refresh_token: 'rt2' })));
    const session = sessionFor(
      {
        tokens: {
          accessToken: 'old',
          tokenType: 'Bearer',
          expiresAt: Date.now() - 1,
          refreshToken: 'rt1',
          idToken: first,
        },
        claims: { iss: idp.issuer, sub: 'alice', aud: 'cli' },
      },
      { issuer: idp.issuer, clientId: 'cli', baseUrl: 'http://127.0.0.1:1' },
    );
    expect((await failureOf(session.getToken())).code).toBe('idTokenInvalid');
    session.logout();
  });
});

describe('IdP bodies are capped', () => {
  it('a 50 MB token answer is refused with a typed failure, the connection dropped, the heap growing under 16 MiB', async () => {
    let written = 0;
    let closedEarly = false;
    idp.on('/token', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      res.write('{"access_token":"');
      const pump = () => {
        while (written < 50 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end('"}');
      };
      res.on('close', () => {
        closedEarly = written < 50 * 1024 * 1024;
      });
      pump();
    });
    const before = process.memoryUsage().heapUsed;
    const error = await failureOf(client().clientCredentials({ scope: 's' }));
    const growth = process.memoryUsage().heapUsed - before;
    expect(error.code).toBe('invalidResponse');
    expect(error.message).toContain('1048576 bytes');
    expect(growth).toBeLessThan(16 * 1024 * 1024);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closedEarly).toBe(true);
  });

  it('a declared Content-Length over the cap is refused before the body is read', async () => {
    idp.on('/token', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) });
      res.write('{');
      setTimeout(() => res.destroy(), 2_000);
    });
    expect((await failureOf(client().clientCredentials({ scope: 's' }))).code).toBe('invalidResponse');
  });
});

describe('IdP 429 and 503 are retried; 5xx and HTML are http, a reset is network', () => {
  it('429 with Retry-After, then 200: the client-credentials request succeeds on the second try', async () => {
    let n = 0;
    idp.on('/token', (_req, res) => {
      n += 1;
      if (n === 1) return json(res, 429, { error: 'slow_down' }, { 'retry-after': '1' });
      json(res, 200, tokens());
    });
    expect((await client({ clientSecret: 's3cr3t-value' }).clientCredentials({ scope: 's' })).accessToken).toBe(
      'at-0123456789',
    );
    expect(idp.hits.get('/token')).toBe(2);
  });

  it('503 twice, then 200: a refresh succeeds on the third try', async () => {
    let n = 0;
    idp.on('/token', (_req, res) => {
      n += 1;
      if (n <= 2) return json(res, 503, { error: 'temporarily_unavailable' }, { 'retry-after': '0' });
      json(res, 200, tokens());
    });
    expect((await client().refresh('rt-1234')).accessToken).toBe('at-0123456789');
    expect(idp.hits.get('/token')).toBe(3);
  });

  it('a code exchange is retried at most once', async () => {
    idp.on('/token', (_req, res) => json(res, 503, { error: 'temporarily_unavailable' }, { 'retry-after': '0' }));
    const error = await failureOf(exchange());
    expect(idp.hits.get('/token')).toBe(2);
    expect(error.code).toBe('http');
    expect(error.status).toBe(503);
  });

  it('a Retry-After past the deadline is not waited for: the failure comes at once as http', async () => {
    idp.on('/token', (_req, res) => json(res, 429, { error: 'too_many' }, { 'retry-after': '3600' }));
    const error = await failureOf(client({ timeoutMs: 5_000 }).refresh('rt-1234'));
    expect(error.code).toBe('http');
    expect(idp.hits.get('/token')).toBe(1);
  });

  for (const [name, answer] of [
    [
      'a 500 with JSON',
      (res: Parameters<Parameters<typeof idp.on>[1]>[1]) => json(res, 500, { error: 'server_error' }),
    ],
    [
      'a 502 HTML page',
      (res: Parameters<Parameters<typeof idp.on>[1]>[1]) => {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><body>Bad gateway</body></html>');
      },
    ],
    [
      'a 200 HTML page (a captive portal)',
      (res: Parameters<Parameters<typeof idp.on>[1]>[1]) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><body>Sign in to the Wi-Fi</body></html>');
      },
    ],
  ] as const) {
    it(`${name} is a typed http failure`, async () => {
      idp.on('/token', (_req, res) => answer(res));
      expect((await failureOf(client().refresh('rt-1234'))).code).toBe('http');
    });
  }

  it('a connection reset mid-body is network', async () => {
    idp.on('/token', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
      res.write('{"access_token":"at');
      setTimeout(() => res.destroy(), 20);
    });
    expect((await failureOf(client().refresh('rt-1234'))).code).toBe('network');
  });
});
