/**
 * The generic authenticated request to CDF (what `cdf-auth api` and the sessions use), RFC 7009 revocation
 * and the RP-initiated logout URL: what goes on the wire, what comes back, and what is refused.
 */
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createCdfClient } from '../../src/protocol/cdf.js';
import { createOidcClient } from '../../src/protocol/oidc.js';
import { failureOf } from '../helpers/failure.js';
import { json as answer, startFakeIdp } from '../helpers/fake-idp.js';
import { startTestServer } from '../helpers/http-server.js';

const server = await startTestServer();
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const bodies: string[] = [];
const replyWith = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  server.handle((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    req.on('end', () => {
      bodies.push(text);
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    });
  });
const cdf = () => createCdfClient({ baseUrl: server.url, timeoutMs: 5_000, retryLimit: 0 });

describe('CdfClient.request', () => {
  it('sends the method, the path below the base URL, the credentials, query and JSON body; answers status and body', async () => {
    replyWith(201, { items: [1] }, { 'x-request-id': 'r-1' });
    bodies.length = 0;
    const result = await cdf().request(
      'POST',
      '/api/v1/projects/demo/assets',
      { apiKey: 'key-123456' },
      {
        json: { items: [{ name: 'x' }] },
        searchParams: { a: 'b' },
      },
    );
    expect(result).toEqual({ status: 201, body: { items: [1] }, requestId: 'r-1' });
    const sent = server.requests[0];
    expect(sent?.method).toBe('POST');
    expect(sent?.url).toBe('/api/v1/projects/demo/assets?a=b');
    expect(sent?.headers['api-key']).toBe('key-123456');
    expect(sent?.headers.authorization).toBeUndefined();
    expect(sent?.headers['content-type']).toContain('application/json');
    expect(JSON.parse(bodies[0] ?? '')).toEqual({ items: [{ name: 'x' }] });
  });

  it('a Bearer token goes as Authorization; a GET carries no body', async () => {
    replyWith(200, { ok: true });
    bodies.length = 0;
    await cdf().request('GET', 'api/v1/projects', { accessToken: 'at-123456' });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer at-123456');
    expect(server.requests[0]?.url).toBe('/api/v1/projects');
    expect(bodies[0]).toBe('');
  });

  it('a 401 comes back as an answer, for the caller to refresh once; other errors are typed and hold no secret', async () => {
    replyWith(401, { error: { code: 401, message: 'nope' } });
    expect((await cdf().request('GET', 'api/v1/x', { accessToken: 'at-123456' })).status).toBe(401);
    replyWith(404, { error: { code: 404, message: 'no such at-123456' } });
    const missing = await failureOf(cdf().request('GET', 'api/v1/x', { accessToken: 'at-123456' }));
    expect(missing).toMatchObject({ code: 'http', status: 404 });
    expect(missing.message).toContain('CDF GET /api/v1/x answered HTTP 404');
    expect(missing.message).not.toContain('at-123456');
  });

  it.each(['https://evil.example/x', '//evil.example/x', 'javascript:alert(1)'])(
    'refuses %s: only paths of the cluster, credentials never go elsewhere',
    async (path) => {
      await expect(cdf().request('GET', path, { accessToken: 'at-123456' })).rejects.toMatchObject({
        name: 'InvalidArgumentError',
        code: 'invalidArgument',
      });
      expect(server.requests).toHaveLength(0);
    },
  );

  it('does not follow a redirect with the credentials', async () => {
    server.handle((_req, res) => res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end());
    expect(await failureOf(cdf().request('GET', 'api/v1/x', { accessToken: 'at-123456' }))).toMatchObject({
      code: 'unexpectedRedirect',
    });
  });
});

describe('OidcClient.revoke and endSessionUrl', () => {
  let idp: Awaited<ReturnType<typeof startFakeIdp>>;
  afterAll(() => idp?.close());

  it('revokes with the token and its hint where the IdP advertises revocation; false where it does not', async () => {
    idp = await startFakeIdp({ metadata: (issuer) => ({ revocation_endpoint: `${issuer}/revoke` }) });
    const sent: string[] = [];
    idp.on('/revoke', (_req, res, body) => {
      sent.push(body);
      answer(res, 200, {});
    });
    const client = createOidcClient({ issuer: idp.issuer, clientId: 'cli' });
    expect(await client.revoke('rt-123456', 'refresh_token')).toBe(true);
    const form = new URLSearchParams(sent[0]);
    expect(form.get('token')).toBe('rt-123456');
    expect(form.get('token_type_hint')).toBe('refresh_token');
    expect(form.get('client_id')).toBe('cli');
    idp.on('/revoke', (_req, res) => answer(res, 400, { error: 'invalid_request', error_description: 'rt-123456 no' }));
    const refused = await failureOf(client.revoke('rt-123456', 'refresh_token'));
    expect(refused.code).toBe('idpError');
    expect(refused.message).not.toContain('rt-123456');
    // RFC 7009 2.2.1: an IdP that revokes no token of this type (oidc-provider: a JWT access token) offers
    // no revocation for it: false, as where it offers none at all.
    idp.on('/revoke', (_req, res) =>
      answer(res, 400, { error: 'unsupported_token_type', error_description: 'JWT tokens cannot be revoked' }),
    );
    expect(await client.revoke('at-123456', 'access_token')).toBe(false);
    await idp.close();
    idp = await startFakeIdp();
    expect(await createOidcClient({ issuer: idp.issuer, clientId: 'cli' }).revoke('rt-123456', 'access_token')).toBe(
      false,
    );
  });

  it('builds the end-session URL with client_id, the post-logout URI and the ID token hint; null where none is advertised', async () => {
    await idp?.close();
    idp = await startFakeIdp({ metadata: (issuer) => ({ end_session_endpoint: `${issuer}/logout?x=1` }) });
    const client = createOidcClient({ issuer: idp.issuer, clientId: 'spa' });
    const url = new URL(
      (await client.endSessionUrl({ idTokenHint: 'id.token.x', postLogoutRedirectUri: 'http://127.0.0.1:1/bye' })) ??
        '',
    );
    expect(url.pathname).toBe('/logout');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      x: '1',
      client_id: 'spa',
      post_logout_redirect_uri: 'http://127.0.0.1:1/bye',
      id_token_hint: 'id.token.x',
    });
    const bare = new URL((await client.endSessionUrl({ postLogoutRedirectUri: 'http://127.0.0.1:1/bye' })) ?? '');
    expect(bare.searchParams.has('id_token_hint')).toBe(false);
    await idp.close();
    idp = await startFakeIdp();
    expect(
      await createOidcClient({ issuer: idp.issuer, clientId: 'spa' }).endSessionUrl({ postLogoutRedirectUri: 'x' }),
    ).toBeNull();
  });
});

describe('CDF answers read exactly', () => {
  it.each([
    ['null', { data: null }],
    ['an array', { data: [] }],
    ['a string', { data: 'x' }],
  ])('a "data" that is %s is not a login URL answer, nor a status', async (_kind, body) => {
    replyWith(200, body);
    expect(await failureOf(cdf().getLoginUrl({ project: 'p', redirectUrl: 'http://127.0.0.1:1/cb' }))).toMatchObject({
      code: 'invalidResponse',
    });
    expect(await failureOf(cdf().getLoginStatus({ apiKey: 'key-123456' }))).toMatchObject({ code: 'invalidResponse' });
  });

  it('/logout/url sends the credentials and the redirectUrl it is given', async () => {
    replyWith(200, { data: { url: 'https://idp.example/logout' } });
    const url = await cdf().getLogoutUrl({ accessToken: 'at-123456' }, 'http://127.0.0.1:1/bye');
    expect(url).toBe('https://idp.example/logout');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer at-123456');
    expect(new URL(server.requests[0]?.url ?? '', server.url).searchParams.get('redirectUrl')).toBe(
      'http://127.0.0.1:1/bye',
    );
  });

  it("token/inspect's 401 keeps CDF's request id for the operator", async () => {
    replyWith(401, { error: { code: 401, message: 'no' } }, { 'x-request-id': 'req-401' });
    expect(await failureOf(cdf().inspectToken('at-123456'))).toMatchObject({
      code: 'tokenRejected',
      requestId: 'req-401',
    });
  });

  it('a path may carry a colon after its first segment (it is still a path of the cluster)', async () => {
    replyWith(200, { ok: 1 });
    expect((await cdf().request('GET', 'api/v1/projects/demo/assets/x:y', { accessToken: 'at-123456' })).status).toBe(
      200,
    );
    expect(server.requests[0]?.url).toBe('/api/v1/projects/demo/assets/x:y');
  });
});

describe('the code exchange', () => {
  it('requires an ID token: a token answer without one is refused', async () => {
    const idp = await startFakeIdp();
    try {
      idp.on('/token', (_req, res) => answer(res, 200, { access_token: 'at', token_type: 'Bearer', expires_in: 60 }));
      const client = createOidcClient({ issuer: idp.issuer, clientId: 'cli' });
      const refused = await failureOf(
        client.exchangeCode({
          callbackUrl: 'http://127.0.0.1:1/callback?code=c0de-123456&state=st',
          redirectUri: 'http://127.0.0.1:1/callback',
          state: 'st',
          codeVerifier: 'v'.repeat(43),
          nonce: 'n',
        }),
      );
      expect(refused.code).toBe('invalidResponse');
    } finally {
      await idp.close();
    }
  });
});
