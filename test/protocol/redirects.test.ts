import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAuthFlowError } from '../../src/errors/auth-flow-error.js';
import { type CdfCredentials, createCdfClient } from '../../src/protocol/cdf.js';
import { startTestServer } from '../helpers/http-server.js';

// Who else is on the wire: a CDF that answers with a redirect to a decoy origin that records everything.
let cdf: Awaited<ReturnType<typeof startTestServer>>;
let decoy: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  cdf = await startTestServer();
  decoy = await startTestServer();
  decoy.handle((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: { loggedIn: true, user: 'decoy', project: 'p', projectId: 1, subject: 'decoy' } }));
  });
});
afterAll(async () => {
  await cdf.close();
  await decoy.close();
});

const failureOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (isAuthFlowError(error)) return { code: error.code, message: error.message, status: error.status };
    throw error;
  }
  throw new Error('expected a failure');
};

const calls: Array<
  [string, (credentials: CdfCredentials, client: ReturnType<typeof createCdfClient>) => Promise<unknown>]
> = [
  ['/login/status', (c, client) => client.getLoginStatus(c)],
  ['/logout', (c, client) => client.logout(c)],
  ['/logout/url', (c, client) => client.getLogoutUrl(c)],
  ['/api/v1/token/inspect', (_c, client) => client.inspectToken('bearer-secret-token')],
];
const credentials: Array<[string, CdfCredentials]> = [
  ['api-key', { apiKey: 'api-key-secret-value' }],
  ['Bearer', { accessToken: 'bearer-secret-token' }],
];

describe('no credentialed CDF request follows a redirect', () => {
  for (const status of [301, 302, 303, 307, 308]) {
    for (const [kind, credential] of credentials) {
      for (const [path, call] of calls) {
        if (path === '/api/v1/token/inspect' && kind === 'api-key') continue;
        it(`${path} answering ${status} with ${kind}: the decoy receives nothing, the failure is unexpectedRedirect naming the origin only`, async () => {
          decoy.requests.length = 0;
          cdf.handle((_req, res) => {
            res.writeHead(status, { location: `${decoy.url}/steal?token=query-secret#frag` });
            res.end();
          });
          const client = createCdfClient({ baseUrl: cdf.url, timeoutMs: 5_000 });
          const failure = await failureOf(call(credential, client));
          expect(decoy.requests).toHaveLength(0);
          expect(failure.code).toBe('unexpectedRedirect');
          expect(failure.status).toBe(status);
          expect(failure.message).toContain(String(status));
          expect(failure.message).toContain(decoy.url);
          expect(failure.message).not.toContain('query-secret');
          expect(failure.message).not.toContain('/steal');
        });
      }
    }
  }

  it('/login/token (the ID token in its query) does not follow a redirect either', async () => {
    decoy.requests.length = 0;
    cdf.handle((_req, res) => {
      res.writeHead(307, { location: `${decoy.url}/login/token` });
      res.end();
    });
    const failure = await failureOf(createCdfClient({ baseUrl: cdf.url }).getTokenStatus('id-token-secret'));
    expect(failure.code).toBe('unexpectedRedirect');
    expect(decoy.requests).toHaveLength(0);
  });
});

describe('what the redirect failure names', () => {
  it('a 3xx without Location, or with a relative one, names no path or query', async () => {
    cdf.handle((_req, res) => res.writeHead(302).end());
    const bare = await failureOf(createCdfClient({ baseUrl: cdf.url }).getLoginStatus({ apiKey: 'k-123456' }));
    expect(bare).toMatchObject({ code: 'unexpectedRedirect', status: 302 });
    expect(bare.message).toContain('an unknown place');
    cdf.handle((_req, res) => res.writeHead(301, { location: '/elsewhere?token=secret-q' }).end());
    const relative = await failureOf(createCdfClient({ baseUrl: cdf.url }).getLoginStatus({ apiKey: 'k-123456' }));
    expect(relative.message).toContain(cdf.url);
    expect(relative.message).not.toContain('secret-q');
  });
});

describe('plain http CDF base URLs', () => {
  it('are refused with insecureEndpoint unless the host is a loopback address', async () => {
    for (const baseUrl of ['http://api.cognitedata.com', 'http://10.0.0.1:8080', 'http://example.com/']) {
      let thrown: unknown;
      try {
        createCdfClient({ baseUrl });
      } catch (error) {
        thrown = error;
      }
      expect(isAuthFlowError(thrown) && thrown.code).toBe('insecureEndpoint');
    }
    for (const baseUrl of [
      'http://127.0.0.1:1',
      'http://[::1]:1',
      'http://localhost:1',
      'https://api.cognitedata.com',
    ]) {
      expect(createCdfClient({ baseUrl }).baseUrl).toBeTruthy();
    }
  });
});
